//! Name resolution against the real demo directory (deploy/demo/directory.toml) and the real
//! directive fixtures.

use std::path::{Path, PathBuf};

use trinhky_domain::directive::{Directive, ParseOptions, parse};
use trinhky_domain::directory::{Directory, parse_directory};
use trinhky_domain::resolve::{
    DirectoryIndex, Resolution, ResolvedDirective, Target, resolve_directive,
};
use trinhky_domain::text::fold;

fn directory() -> Directory {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/demo/directory.toml"
    );
    parse_directory("directory.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

fn index(d: &Directory) -> DirectoryIndex {
    DirectoryIndex::new(&d.agencies, &d.groups)
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/directives")
}

fn parse_fixture(name: &str) -> Directive {
    let text = std::fs::read_to_string(fixtures_dir().join(name)).unwrap();
    parse(&text, &ParseOptions::default()).unwrap()
}

fn codes(r: &Resolution) -> Vec<&str> {
    r.targets.iter().map(Target::code).collect()
}

#[track_caller]
fn one(ix: &DirectoryIndex, phrase: &str, code: &str) {
    let r = ix.resolve(phrase);
    assert_eq!(codes(&r), [code], "{phrase}: {r:?}");
    assert!(r.unresolved.is_empty() && !r.vague, "{phrase}: {r:?}");
}

fn group_members(d: &Directory, code: &str) -> Vec<String> {
    d.groups
        .iter()
        .find(|g| g.code == code)
        .unwrap()
        .members
        .clone()
}

fn seed() -> (Directory, ResolvedDirective, Directive) {
    let dir = directory();
    let d = parse_fixture("seed-tb-cchc-2023.txt");
    let r = resolve_directive(&index(&dir), &d);
    (dir, r, d)
}

#[test]
fn seed_item_2_fans_out_to_every_department_and_district() {
    let (dir, r, d) = seed();
    let i = d.tasks.iter().position(|t| t.reference == "2.6").unwrap();
    let t = &r.tasks[i];
    assert_eq!(t.task_index, i);
    assert_eq!(t.leads.len(), 2);
    assert!(
        matches!(&t.leads[0].targets[..], [Target::Group { .. }]),
        "{:?}",
        t.leads[0]
    );
    assert!(
        matches!(&t.leads[1].targets[..], [Target::Group { .. }]),
        "{:?}",
        t.leads[1]
    );
    let mut expected: Vec<String> = group_members(&dir, "SO-BAN-NGANH");
    for m in group_members(&dir, "UBND-HUYEN") {
        if !expected.contains(&m) {
            expected.push(m);
        }
    }
    assert_eq!(t.lead_agencies, expected);
    assert_eq!(t.lead_agencies.len(), 31);
    for c in ["SNV", "SKHĐT", "UBND-KN", "VPUBND"] {
        assert!(t.lead_agencies.iter().any(|a| a == c), "{c}");
    }
    assert_eq!(t.report_to.len(), 1);
    assert_eq!(codes(&t.report_to[0]), ["UBND"], "{:?}", t.report_to[0]);
}

#[test]
fn seed_items_4_6_7() {
    let (_, r, d) = seed();
    let task = |reference: &str| {
        let i = d
            .tasks
            .iter()
            .position(|t| t.reference == reference)
            .unwrap();
        &r.tasks[i]
    };
    let t4 = task("4");
    assert_eq!(t4.lead_agencies, ["SKHĐT"]);
    assert_eq!(t4.co_agencies.len(), 1);
    assert!(
        t4.co_agencies[0].vague
            && t4.co_agencies[0].targets.is_empty()
            && t4.co_agencies[0].unresolved.is_empty()
    );
    assert_eq!(codes(&t4.report_to[0]), ["UBND"]);

    let t61 = task("6.1");
    assert_eq!(t61.lead_agencies, ["SNV"]);
    assert_eq!(codes(&t61.report_to[0]), ["UBND"]);

    // 6.3 is parsed as a standing directive (no deadline, no deliverable).
    let i = d
        .standing_directives
        .iter()
        .position(|s| s.reference == "6.3")
        .unwrap();
    let s63 = &r.standing_directives[i];
    assert_eq!(s63.lead_agencies, ["SNV"]);
    let co: Vec<&str> = s63.co_agencies.iter().flat_map(codes).collect();
    assert_eq!(co, ["SKHĐT", "STTTT", "VPUBND"]);
    assert!(s63.co_agencies[3].vague, "{:?}", s63.co_agencies[3]);

    assert_eq!(task("7.1").lead_agencies, ["VPUBND"]);
    assert!(r.unresolved.is_empty(), "{:?}", r.unresolved);
}

#[test]
fn seed_recipients_all_resolve() {
    let (_, r, d) = seed();
    assert_eq!(r.recipients.len(), d.recipients.len());
    for rec in &r.recipients {
        assert!(
            !rec.targets.is_empty() && rec.unresolved.is_empty(),
            "{rec:?}"
        );
    }
    let all: Vec<&str> = r.recipients.iter().flat_map(codes).collect();
    assert_eq!(
        all,
        [
            "LĐUBND",
            "VPTU",
            "VPĐBQH-HĐND",
            "SO-BAN-NGANH",
            "TCCT-XH",
            "LĐVP",
            "BAODAI-DP",
            "BAOCHI-TW",
            "UBND-HUYEN",
            "VPUBND-DONVI",
            "CTTĐT"
        ]
    );
    let seed_standing_3 = d
        .standing_directives
        .iter()
        .position(|s| s.reference == "3")
        .unwrap();
    let leads: Vec<&str> = r.standing_directives[seed_standing_3]
        .leads
        .iter()
        .flat_map(codes)
        .collect();
    assert_eq!(leads, ["BAODAI-DP", "BAOCHI-TW"]);
}

#[test]
fn phrases_against_the_demo_directory() {
    let dir = directory();
    let ix = index(&dir);
    one(&ix, "Giám đốc Sở Tài chính", "STC");
    one(&ix, "so ke hoach va dau tu", "SKHĐT");
    one(&ix, "Sở KH&ĐT", "SKHĐT");
    one(&ix, "Sở KH & ĐT tỉnh", "SKHĐT");
    one(&ix, "Sở TT&TT", "STTTT");
    one(&ix, "Sở TN&MT", "STNMT");
    one(&ix, "Sở GD&ĐT", "SGDĐT");
    one(&ix, "Sở LĐ-TB&XH", "SLĐTBXH");
    one(&ix, "Sở LĐTB&XH", "SLĐTBXH");
    one(&ix, "Sở NN&PTNT", "SNNPTNT");
    one(&ix, "Sở VH,TT&DL", "SVHTTDL");
    one(&ix, "Sở VHTTDL", "SVHTTDL");
    one(&ix, "Sở KH&CN", "SKHCN");
    one(&ix, "Sở GTVT", "SGTVT");
    one(&ix, "Uỷ ban nhân dân tỉnh", "UBND");
    one(&ix, "VP UBND tỉnh", "VPUBND");
    one(&ix, "Văn phòng Ủy ban nhân dân tỉnh Đăk Nông", "VPUBND");
    one(&ix, "Đài Phát thanh và Truyền hình Đắk Nông", "ĐPTTH");
    one(&ix, "Đài PT&TH tỉnh", "ĐPTTH");
    one(&ix, "Thường trực HĐND tỉnh", "HĐND");
    one(&ix, "Hội đồng nhân dân tỉnh Đắk Nông", "HĐND");
    one(
        &ix,
        "Văn phòng Đoàn Đại biểu Quốc hội và Hội đồng nhân dân tỉnh",
        "VPĐBQH-HĐND",
    );
    one(&ix, "Ủy ban Mặt trận Tổ quốc tỉnh", "MTTQ");
    one(&ix, "Cổng thông tin điện tử tỉnh", "CTTĐT");
    one(&ix, "Cổng TTĐT tỉnh", "CTTĐT");
    one(&ix, "Chủ tịch UBND tỉnh", "UBND");
    one(&ix, "Chủ tịch UBND các huyện, thành phố", "UBND-HUYEN");
    one(&ix, "Thủ trưởng các Sở, Ban, ngành", "SO-BAN-NGANH");
    one(&ix, "Chánh Thanh tra tỉnh", "TTT");
    one(&ix, "Trưởng Ban Dân tộc tỉnh", "BDT");
    one(&ix, "Báo Đăk Nông, Đài PT&TH Đăk Nông", "BAODAI-DP");

    let r = ix.resolve("Sở: TC, KH&ĐT, GTVT");
    assert_eq!(codes(&r), ["STC", "SKHĐT", "SGTVT"]);
    let r =
        ix.resolve("các Sở: Kế hoạch và Đầu tư, Thông tin và Truyền thông, Văn phòng UBND tỉnh");
    assert_eq!(codes(&r), ["SKHĐT", "STTTT", "VPUBND"]);
    let r = ix.resolve("Sở Nội vụ, Sở Tài chính và UBND huyện Krông Nô");
    assert_eq!(codes(&r), ["SNV", "STC", "UBND-KN"]);
    let r = ix.resolve("Sở Kế hoạch và Đầu tư, Sở Văn hóa, Thể thao và Du lịch");
    assert_eq!(codes(&r), ["SKHĐT", "SVHTTDL"]);
    let r = ix.resolve("Đài PT&TH tỉnh, Báo Đắk Nông");
    assert_eq!(codes(&r), ["ĐPTTH", "BAODN"]);

    let r = ix.resolve("TC");
    assert!(r.targets.is_empty());
    assert_eq!(r.unresolved, ["TC"]);
    let r = ix.resolve("Sở Ngoại giao Sao Hỏa");
    assert!(r.targets.is_empty());
    assert_eq!(r.unresolved, ["Sở Ngoại giao Sao Hỏa"]);
    for v in ["các đơn vị có liên quan", "các cơ quan, đơn vị, địa phương"] {
        let r = ix.resolve(v);
        assert!(
            r.vague && r.targets.is_empty() && r.unresolved.is_empty(),
            "{v}: {r:?}"
        );
    }
}

#[test]
fn nhu_tren_resolves_to_the_addressees() {
    let dir = directory();
    let ix = index(&dir);
    let d = parse_fixture("cv-kinh-gui-nhu-tren.txt");
    let r = resolve_directive(&ix, &d);
    let addressees: Vec<&str> = r.addressees.iter().flat_map(codes).collect();
    assert_eq!(addressees, ["SNNPTNT", "STC", "UBND-HUYEN"]);
    let i = d
        .recipients
        .iter()
        .position(|x| fold(&x.text) == "nhu tren")
        .unwrap();
    assert_eq!(codes(&r.recipients[i]), addressees);
    // "Sở: TC, KH&ĐT, GTVT" in the same Nơi nhận.
    let j = d
        .recipients
        .iter()
        .position(|x| x.text.starts_with("Sở:"))
        .unwrap();
    assert_eq!(codes(&r.recipients[j]), ["STC", "SKHĐT", "SGTVT"]);
}

/// Every fixture parses and resolves; every unresolved phrase is really absent from the demo
/// directory (no part of it folds to a name or alias). The phrases are printed for review
/// (`cargo test -p trinhky-domain resolve -- --nocapture`).
#[test]
fn all_fixtures_resolve_without_false_unresolved() {
    let dir = directory();
    let ix = index(&dir);
    let known: Vec<String> = dir
        .agencies
        .iter()
        .flat_map(|a| {
            [a.name.clone(), a.short_name.clone()]
                .into_iter()
                .chain(a.aliases.clone())
        })
        .chain(
            dir.groups
                .iter()
                .flat_map(|g| std::iter::once(g.name.clone()).chain(g.aliases.clone())),
        )
        .map(|n| fold(&n))
        .collect();
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 11);
    let mut total = 0;
    for path in &names {
        let d = parse(
            &std::fs::read_to_string(path).unwrap(),
            &ParseOptions::default(),
        )
        .unwrap();
        let r = resolve_directive(&ix, &d);
        assert_eq!(r.tasks.len(), d.tasks.len());
        assert_eq!(r.standing_directives.len(), d.standing_directives.len());
        assert_eq!(r.recipients.len(), d.recipients.len());
        assert_eq!(r.addressees.len(), d.addressees.len());
        for (i, t) in r.tasks.iter().enumerate() {
            assert_eq!(t.task_index, i);
        }
        let stem = path.file_stem().unwrap().to_string_lossy();
        for u in &r.unresolved {
            println!("{stem}: unresolved {u:?}");
            total += 1;
            let f = fold(u);
            // Not a name of the directory, nor a list of names of it.
            assert!(!known.contains(&f), "{stem}: {u:?} is in the directory");
            for part in u.split([',', ';']) {
                let p = fold(part.trim());
                assert!(
                    p.is_empty() || !known.contains(&p),
                    "{stem}: part {part:?} of {u:?} is in the directory"
                );
            }
        }
        // Serialisable for the web layer.
        serde_json::to_string(&r).unwrap();
    }
    println!("{total} unresolved phrases across {} fixtures", names.len());
}
