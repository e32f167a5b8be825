//! The body: numbered items, sub-items, lettered points and bullets as a tree, then each leaf
//! (or item with content of its own) classified as an approval, a task or a standing directive.

use super::agencies;
use super::deadline::{self, DateContext};
use super::layout::{self, Layout};
use super::pattern::Re;
use super::{Approval, DirectiveError, StandingDirective, Task};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Marker {
    Roman(String),
    Num(String),
    SubNum(String),
    Letter(String),
    Dash,
    Plus,
}

impl Marker {
    fn rank(&self) -> u8 {
        match self {
            Marker::Roman(_) => 0,
            Marker::Num(_) => 1,
            Marker::SubNum(_) => 2,
            Marker::Letter(_) => 3,
            Marker::Dash => 4,
            Marker::Plus => 5,
        }
    }
}

#[derive(Debug)]
struct Node {
    marker: Marker,
    reference: String,
    parent: Option<usize>,
    children: Vec<usize>,
    /// Byte range of the content (after the marker) in the normalised text.
    start: usize,
    end: usize,
}

pub(super) struct Body {
    pub tasks: Vec<Task>,
    pub standing: Vec<StandingDirective>,
    pub approvals: Vec<Approval>,
    /// The closing paragraph(s) ("Trên đây là … thông báo để … thực hiện./.").
    pub closing: Option<String>,
}

static MARKER: Re = Re::new(
    r"^(?:(?P<roman>I|II|III|IV|V|VI|VII|VIII|IX|X)\.|(?P<sub>\d{1,2}(?:\.\d{1,2})+)\.?|(?P<num>\d{1,2})[.)]|(?P<letter>[a-zđ])\)|(?P<dash>-)|(?P<plus>\+))\s+",
);
static CLOSING: Re = Re::new(
    r"(?i)(?:^trên\s+đây|^trong\s+quá\s+trình\s+(?:triển\s+khai\s+|tổ\s+chức\s+)?thực\s+hiện|thông\s+báo\s+(?:để|ý\s+kiến|kết\s+luận|nội\s+dung|đến)|/\.$|^trân\s+trọng)",
);
static APPROVAL: Re = Re::new(
    r"^(?:(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|Chủ tịch UBND|Thường trực UBND|Hội nghị)[^,.;:]{0,25}?\s+)?(?:(?:cơ\s+bản|Cơ\s+bản)\s+)?(?:Đồng ý|đồng ý|Thống nhất|thống nhất|Chấp thuận|chấp thuận|Nhất trí|nhất trí|Phê duyệt|phê duyệt)\b",
);
static DELIVERABLE: Re = Re::new(
    r"\b(?i:ban\s+hành|xây\s+dựng|dự\s+thảo|soạn\s+thảo|trình|phê\s+duyệt|hoàn\s+thiện|lập|sửa\s+đổi,\s+bổ\s+sung|sửa\s+đổi|bổ\s+sung|báo\s+cáo)\s+(?P<what>(?:Kế hoạch|Đề án|Quyết định|Báo cáo|Tờ trình|Chương trình|Quy chế|Quy định|Phương án|Nghị quyết|Chỉ thị|Hướng dẫn|Danh mục|Dự thảo|dự thảo|Đề cương|Công văn|Thông báo|Quy hoạch|Dự án|Bộ tiêu chí|văn bản|kế hoạch|đề án|phương án|báo cáo|quy chế|quy định|hồ sơ|danh mục|danh sách)\b[^.;]*)",
);

fn marker_of(line: &str) -> Option<(Marker, usize)> {
    let c = MARKER.captures(line)?;
    let len = c.get(0)?.end();
    let m = if let Some(r) = c.name("roman") {
        Marker::Roman(r.as_str().to_owned())
    } else if let Some(s) = c.name("sub") {
        Marker::SubNum(s.as_str().to_owned())
    } else if let Some(n) = c.name("num") {
        Marker::Num(n.as_str().to_owned())
    } else if let Some(l) = c.name("letter") {
        Marker::Letter(l.as_str().to_owned())
    } else if c.name("dash").is_some() {
        Marker::Dash
    } else {
        Marker::Plus
    };
    Some((m, len))
}

pub(super) fn parse(
    layout: &Layout<'_>,
    ctx: &DateContext,
    warnings: &mut Vec<String>,
) -> Result<Body, DirectiveError> {
    let text = layout.text;
    let tree = tree(layout);
    let mut body = Body {
        tasks: Vec::new(),
        standing: Vec::new(),
        approvals: Vec::new(),
        closing: tree.closing.map(|(s, e)| text[s..e].to_owned()),
    };
    if tree.nodes.is_empty() {
        paragraphs(text, &tree.preamble, ctx, &mut body, warnings);
    } else {
        // "Sở Nội vụ đề nghị các cơ quan, đơn vị:" before the items: the leads of every item.
        let root_leads = tree
            .preamble
            .last()
            .map(|&(s, e)| &text[s..e])
            .filter(|p| p.trim_end().ends_with(':'))
            .map(agencies::leads)
            .unwrap_or_default();
        items(text, &tree.nodes, &root_leads, ctx, &mut body, warnings);
    }
    if body.tasks.is_empty() && body.standing.is_empty() && body.approvals.is_empty() {
        return Err(DirectiveError::NoContent);
    }
    Ok(body)
}

/// The body as a tree of marked items, with the unmarked paragraphs before them and the closing.
struct Tree {
    nodes: Vec<Node>,
    /// Byte ranges of the paragraphs before the first item (all of them when nothing is marked).
    preamble: Vec<(usize, usize)>,
    closing: Option<(usize, usize)>,
}

/// Builds the item tree: a marker of a lower rank opens a child, an unmarked line continues the
/// open item. Bullets before the first numbered item of a numbered text are plain paragraphs.
fn tree(layout: &Layout<'_>) -> Tree {
    let lines = &layout.lines[layout.body.clone()];
    let has_numbered = lines.iter().any(|l| {
        matches!(
            marker_of(l.text),
            Some((Marker::Roman(_) | Marker::Num(_) | Marker::SubNum(_), _))
        )
    });
    let mut t = Tree {
        nodes: Vec::new(),
        preamble: Vec::new(),
        closing: None,
    };
    let mut stack: Vec<usize> = Vec::new();
    let mut seen_numbered = false;
    for l in lines {
        if l.text.is_empty() || layout::is_separator(l.text) {
            continue;
        }
        if let Some(c) = t.closing.as_mut() {
            c.1 = l.end();
            continue;
        }
        let marker = marker_of(l.text);
        let is_bullet = matches!(marker, Some((Marker::Dash | Marker::Plus, _)));
        if marker.is_none()
            && CLOSING.is_match(l.text)
            && (!t.nodes.is_empty() || !t.preamble.is_empty())
        {
            t.closing = Some((l.start, l.end()));
            continue;
        }
        match marker {
            Some((m, len)) if !(is_bullet && has_numbered && !seen_numbered) => {
                if !is_bullet {
                    seen_numbered = true;
                }
                while let Some(&top) = stack.last() {
                    if t.nodes[top].marker.rank() >= m.rank() {
                        stack.pop();
                    } else {
                        break;
                    }
                }
                let parent = stack.last().copied();
                let reference = reference_for(&t.nodes, parent, &m);
                let idx = t.nodes.len();
                t.nodes.push(Node {
                    marker: m,
                    reference,
                    parent,
                    children: Vec::new(),
                    start: l.start + len,
                    end: l.end(),
                });
                if let Some(p) = parent {
                    t.nodes[p].children.push(idx);
                }
                stack.push(idx);
            }
            _ => match stack.last() {
                Some(&top) => t.nodes[top].end = l.end(),
                None => t.preamble.push((l.start, l.end())),
            },
        }
    }
    t
}

/// No markers: every paragraph that assigns work counts, numbered in order.
fn paragraphs(
    text: &str,
    preamble: &[(usize, usize)],
    ctx: &DateContext,
    body: &mut Body,
    warnings: &mut Vec<String>,
) {
    let mut n = 0;
    for &(s, e) in preamble {
        let t = &text[s..e];
        let leads = agencies::leads(t);
        let has_deadline = deadline::find(t, ctx, "?", &mut Vec::new()).is_some();
        if leads.is_empty() && !has_deadline {
            continue;
        }
        n += 1;
        classify(
            text,
            (s, e),
            &n.to_string(),
            leads,
            Vec::new(),
            ctx,
            body,
            warnings,
        );
    }
}

/// Classifies every item with content of its own; headings and "…:" introductions only give
/// context (their leads pass to the items below them).
fn items(
    text: &str,
    nodes: &[Node],
    root_leads: &[String],
    ctx: &DateContext,
    body: &mut Body,
    warnings: &mut Vec<String>,
) {
    let mut refs_seen = std::collections::HashSet::new();
    for node in nodes {
        if !refs_seen.insert(node.reference.clone()) {
            warnings.push(format!(
                "mục {} xuất hiện hai lần; kiểm tra lại cách đánh số",
                node.reference
            ));
        }
        let own = &text[node.start..node.end];
        let is_heading = matches!(node.marker, Marker::Roman(_)) || layout::is_all_caps(own);
        let context_only = !node.children.is_empty()
            && (is_heading
                || (own.trim_end().ends_with(':')
                    && deadline::find(own, ctx, "?", &mut Vec::new()).is_none()
                    && deliverable(own, None).is_none()));
        if context_only || (is_heading && node.children.is_empty()) {
            continue;
        }
        let (mut leads, inherited_co) = leads_of(text, nodes, node);
        if leads.is_empty() {
            leads = root_leads.to_vec();
        }
        if leads.is_empty() && under_purpose_heading(nodes, node.parent, text) {
            continue;
        }
        classify(
            text,
            (node.start, node.end),
            &node.reference,
            leads,
            inherited_co,
            ctx,
            body,
            warnings,
        );
    }
}

/// The leads an item names, else those of its nearest ancestor that names any (with that
/// ancestor's co-agencies).
fn leads_of(text: &str, nodes: &[Node], node: &Node) -> (Vec<String>, Vec<String>) {
    let leads = agencies::leads(&text[node.start..node.end]);
    if !leads.is_empty() {
        return (leads, Vec::new());
    }
    let mut p = node.parent;
    while let Some(pi) = p {
        let ptext = &text[nodes[pi].start..nodes[pi].end];
        let pl = agencies::leads(ptext);
        if !pl.is_empty() {
            return (pl, agencies::co_agencies(ptext));
        }
        p = nodes[pi].parent;
    }
    (Vec::new(), Vec::new())
}

/// Items under "MỤC ĐÍCH, YÊU CẦU" / "QUAN ĐIỂM" state aims, not work for anyone.
fn under_purpose_heading(nodes: &[Node], mut p: Option<usize>, text: &str) -> bool {
    static PURPOSE: Re = Re::new(r"(?i)mục\s+đích|yêu\s+cầu|quan\s+điểm|mục\s+tiêu");
    while let Some(pi) = p {
        let t = &text[nodes[pi].start..nodes[pi].end];
        if layout::is_all_caps(t) && PURPOSE.is_match(t) {
            return true;
        }
        p = nodes[pi].parent;
    }
    false
}

fn reference_for(nodes: &[Node], parent: Option<usize>, m: &Marker) -> String {
    let parent_ref = parent.map(|p| nodes[p].reference.as_str());
    let roman_prefix = || {
        let mut p = parent;
        while let Some(pi) = p {
            if let Marker::Roman(r) = &nodes[pi].marker {
                return format!("{r}.");
            }
            p = nodes[pi].parent;
        }
        String::new()
    };
    match m {
        Marker::Roman(r) => r.clone(),
        Marker::Num(n) => format!("{}{n}", roman_prefix()),
        Marker::SubNum(s) => format!("{}{s}", roman_prefix()),
        Marker::Letter(l) => match parent_ref {
            Some(p) => format!("{p}.{l}"),
            None => l.clone(),
        },
        Marker::Dash | Marker::Plus => {
            let siblings = match parent {
                Some(p) => nodes[p]
                    .children
                    .iter()
                    .filter(|&&c| nodes[c].marker == *m)
                    .count(),
                None => nodes
                    .iter()
                    .filter(|n| n.parent.is_none() && n.marker == *m)
                    .count(),
            };
            match parent_ref {
                Some(p) => format!("{p}.{}", siblings + 1),
                None => (siblings + 1).to_string(),
            }
        }
    }
}

/// The deliverable an item names: a document to draft or issue ("tham mưu UBND tỉnh ban hành
/// Kế hoạch …" → "Kế hoạch …"), or, failing that, the report it asks for ("Báo cáo kết quả").
fn deliverable(text: &str, deadline_start: Option<usize>) -> Option<String> {
    for c in DELIVERABLE.captures_iter(text) {
        let Some(m) = c.name("what") else { continue };
        if agencies::in_condition(&text[..m.start()]) {
            continue;
        }
        let mut end = m.end();
        if let Some(ds) = deadline_start
            && ds > m.start()
            && ds < end
        {
            end = ds;
        }
        let mut what = &text[m.start()..end];
        for cut in [
            " để ",
            " nhằm ",
            " trước ",
            " chậm nhất ",
            " trong thời hạn",
            " trong vòng ",
        ] {
            if let Some(i) = what.find(cut) {
                what = &what[..i];
            }
        }
        if let Some(i) = what
            .match_indices(", ")
            .map(|(i, _)| i)
            .find(|&i| agencies::is_stop_at(&what[i + 2..]))
        {
            what = &what[..i];
        }
        let what = what.trim().trim_end_matches([',', ' ', ':']);
        if !what.is_empty() {
            return Some(what.to_owned());
        }
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn classify(
    text: &str,
    (start, end): (usize, usize),
    reference: &str,
    leads: Vec<String>,
    inherited_co: Vec<String>,
    ctx: &DateContext,
    body: &mut Body,
    warnings: &mut Vec<String>,
) {
    let own = text[start..end].trim_end();
    let end = start + own.len();
    let span = (start, end);
    if APPROVAL.is_match(own) {
        if deadline::find(own, ctx, reference, &mut Vec::new())
            .is_some_and(|(d, _)| d.date.is_some())
        {
            warnings.push(format!(
                "mục {reference} vừa thống nhất, vừa đặt thời hạn; kiểm tra xem có phải giao nhiệm vụ không"
            ));
        }
        body.approvals.push(Approval {
            reference: reference.to_owned(),
            text: own.to_owned(),
        });
        return;
    }
    let mut co = agencies::co_agencies(own);
    if co.is_empty() {
        co = inherited_co;
    }
    co.retain(|c| !leads.contains(c));
    let mut item_warnings = Vec::new();
    let found = deadline::find(own, ctx, reference, &mut item_warnings);
    let (report_to, report_words) = agencies::report_to(own);
    let mut deliverable = deliverable(own, found.as_ref().map(|(_, r)| r.start));
    if deliverable.is_none() && found.is_some() {
        deliverable = report_words;
    }
    if found.is_none() && deliverable.is_none() {
        if leads.is_empty() {
            warnings.push(format!(
                "mục {reference} không nêu cơ quan nào; kiểm tra đối tượng thực hiện"
            ));
        }
        body.standing.push(StandingDirective {
            reference: reference.to_owned(),
            leads,
            co_agencies: co,
            text: own.to_owned(),
            span,
        });
        return;
    }
    warnings.extend(item_warnings);
    if leads.is_empty() {
        warnings.push(format!(
            "mục {reference}: không thấy cơ quan chủ trì; văn thư cần chọn"
        ));
    }
    body.tasks.push(Task {
        reference: reference.to_owned(),
        leads,
        co_agencies: co,
        deliverable,
        report_to,
        deadline: found.map(|(d, _)| d),
        text: own.to_owned(),
        span,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [&MARKER, &CLOSING, &APPROVAL, &DELIVERABLE] {
            assert!(re.compiles());
        }
    }

    #[test]
    fn markers() {
        assert_eq!(
            marker_of("6.1. Sở"),
            Some((Marker::SubNum("6.1".into()), 5))
        );
        assert_eq!(marker_of("2. Thủ"), Some((Marker::Num("2".into()), 3)));
        assert_eq!(
            marker_of("II. NHIỆM VỤ"),
            Some((Marker::Roman("II".into()), 4))
        );
        assert_eq!(marker_of("a) Sở"), Some((Marker::Letter("a".into()), 3)));
        assert_eq!(marker_of("- Theo"), Some((Marker::Dash, 2)));
        assert_eq!(marker_of("5.000 tỷ đồng"), None);
        assert_eq!(marker_of("26/5/2023"), None);
    }

    #[test]
    fn deliverables() {
        assert_eq!(
            deliverable("Khẩn trương tham mưu UBND tỉnh ban hành Kế hoạch cải thiện Chỉ số CCHC năm 2023. Hoàn thành chậm nhất ngày 26/6/2023.", None).as_deref(),
            Some("Kế hoạch cải thiện Chỉ số CCHC năm 2023")
        );
        assert_eq!(deliverable("xây dựng Chính quyền điện tử", None), None);
        assert_eq!(
            deliverable("trường hợp cần thiết, trình Tờ trình bổ sung", None),
            None
        );
    }

    #[test]
    fn approvals() {
        assert!(APPROVAL.is_match("Đồng ý chủ trương tổ chức Hội chợ"));
        assert!(APPROVAL.is_match("UBND tỉnh thống nhất với đề xuất của Sở Tài chính"));
        assert!(APPROVAL.is_match("Cơ bản thống nhất nội dung dự thảo"));
        assert!(!APPROVAL.is_match("Giao Sở Nội vụ thống nhất với các đơn vị"));
    }
}
