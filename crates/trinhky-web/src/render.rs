//! HTML templates (minijinja, compiled into the binary, HTML auto-escaped).

use minijinja::{Environment, Value, context};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("home.html", include_str!("../templates/home.html")),
    (
        "my_documents.html",
        include_str!("../templates/my_documents.html"),
    ),
    ("pager.html", include_str!("../templates/pager.html")),
    ("agency.html", include_str!("../templates/agency.html")),
    (
        "directory.html",
        include_str!("../templates/directory.html"),
    ),
    ("error.html", include_str!("../templates/error.html")),
    (
        "directives.html",
        include_str!("../templates/directives.html"),
    ),
    (
        "directive.html",
        include_str!("../templates/directive.html"),
    ),
    (
        "follow_up.html",
        include_str!("../templates/follow_up.html"),
    ),
    ("document.html", include_str!("../templates/document.html")),
    (
        "issued_copy.html",
        include_str!("../templates/issued_copy.html"),
    ),
    ("compare.html", include_str!("../templates/compare.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("issuing.html", include_str!("../templates/issuing.html")),
    (
        "deliveries.html",
        include_str!("../templates/deliveries.html"),
    ),
    (
        "incoming_list.html",
        include_str!("../templates/incoming_list.html"),
    ),
    ("incoming.html", include_str!("../templates/incoming.html")),
    ("register.html", include_str!("../templates/register.html")),
    ("archive.html", include_str!("../templates/archive.html")),
    (
        "delegations.html",
        include_str!("../templates/delegations.html"),
    ),
    // Administration (quản trị).
    (
        "admin_nav.html",
        include_str!("../templates/admin_nav.html"),
    ),
    (
        "admin_home.html",
        include_str!("../templates/admin_home.html"),
    ),
    (
        "admin_agencies.html",
        include_str!("../templates/admin_agencies.html"),
    ),
    (
        "admin_agency.html",
        include_str!("../templates/admin_agency.html"),
    ),
    (
        "admin_groups.html",
        include_str!("../templates/admin_groups.html"),
    ),
    (
        "admin_group.html",
        include_str!("../templates/admin_group.html"),
    ),
    (
        "admin_users.html",
        include_str!("../templates/admin_users.html"),
    ),
    (
        "admin_user.html",
        include_str!("../templates/admin_user.html"),
    ),
    (
        "admin_certificates.html",
        include_str!("../templates/admin_certificates.html"),
    ),
    (
        "admin_workflows.html",
        include_str!("../templates/admin_workflows.html"),
    ),
    (
        "admin_workflow.html",
        include_str!("../templates/admin_workflow.html"),
    ),
    (
        "admin_workflow_tables.html",
        include_str!("../templates/admin_workflow_tables.html"),
    ),
    (
        "admin_workflow_check.html",
        include_str!("../templates/admin_workflow_check.html"),
    ),
    (
        "admin_calendar.html",
        include_str!("../templates/admin_calendar.html"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, src) in TEMPLATES {
            if let Err(e) = env.add_template(name, src) {
                // Templates are compiled in; a broken one is a build defect caught by tests.
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        Templates { env }
    }

    /// The process-wide instance (templates are constant).
    pub fn global() -> &'static Templates {
        static T: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
        T.get_or_init(Templates::new)
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| format!("template {name}: {e:#}"))
    }

    pub fn error_page(
        &self,
        status: u16,
        title: &str,
        message: &str,
        hint: &str,
        code: &str,
        request_id: Option<&str>,
    ) -> String {
        self.render(
            "error.html",
            context! { status, title, message, hint, code, request_id, page_title => title },
        )
        .unwrap_or_else(|_| {
            format!(
                "<!doctype html><html lang=vi><meta charset=utf-8><title>Lỗi {status}</title><p>Lỗi {status} ({code}). <a href=\"/\">Về trang chủ</a>"
            )
        })
    }
}
