#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::directory::AgencyKind;

/// A synthetic directory with full names only (no abbreviation aliases), so that matches below
/// come from the normalisation rules, not from aliases.
fn agency(code: &str, name: &str, aliases: &[&str]) -> Agency {
    Agency {
        code: code.to_owned(),
        name: name.to_owned(),
        short_name: name.to_owned(),
        parent: String::new(),
        kind: AgencyKind::Department,
        email: format!("{}@x.example", code.to_lowercase()),
        head_title: String::new(),
        deputy_title: String::new(),
        aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
        uses_trinhky: true,
    }
}

fn index() -> DirectoryIndex {
    let agencies = vec![
        agency("UB", "Ủy ban nhân dân tỉnh", &[]),
        agency("VP", "Văn phòng Ủy ban nhân dân tỉnh", &[]),
        agency("KHDT", "Sở Kế hoạch và Đầu tư", &[]),
        agency("TC", "Sở Tài chính", &[]),
        agency("NV", "Sở Nội vụ", &[]),
        agency("GT", "Sở Giao thông vận tải", &[]),
        agency("TTTT", "Sở Thông tin và Truyền thông", &[]),
        agency("TNMT", "Sở Tài nguyên và Môi trường", &[]),
        agency("GDDT", "Sở Giáo dục và Đào tạo", &[]),
        agency("LD", "Sở Lao động - Thương binh và Xã hội", &[]),
        agency("NN", "Sở Nông nghiệp và Phát triển nông thôn", &[]),
        agency("VH", "Sở Văn hóa, Thể thao và Du lịch", &[]),
        agency("KHCN", "Sở Khoa học và Công nghệ", &[]),
        agency("DAI", "Đài Phát thanh và Truyền hình tỉnh", &[]),
        agency("HD", "Hội đồng nhân dân tỉnh", &[]),
        agency("DB", "Văn phòng Đoàn Đại biểu Quốc hội tỉnh", &[]),
        agency("MT", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", &[]),
        agency("CONG", "Cổng thông tin điện tử tỉnh", &[]),
        agency("KT", "Phòng Kinh tế", &[]),
        agency("H1", "Ủy ban nhân dân huyện Krông Nô", &[]),
        agency("H2", "Ủy ban nhân dân huyện Cư Jút", &[]),
        agency("BAO", "Báo Đắk Nông", &[]),
        agency(
            "LDUB",
            "Lãnh đạo UBND tỉnh (CT, các PCT)",
            &["CT, các PCT UBND tỉnh"],
        ),
    ];
    let groups = vec![
        RecipientGroup {
            code: "SBN".to_owned(),
            name: "Các Sở, Ban, ngành".to_owned(),
            aliases: vec![],
            members: vec![
                "VP".to_owned(),
                "KHDT".to_owned(),
                "TC".to_owned(),
                "NV".to_owned(),
            ],
        },
        RecipientGroup {
            code: "HUYEN".to_owned(),
            name: "UBND các huyện, thành phố".to_owned(),
            aliases: vec![],
            members: vec!["H1".to_owned(), "H2".to_owned()],
        },
    ];
    DirectoryIndex::new(&agencies, &groups)
}

fn codes(r: &Resolution) -> Vec<&str> {
    r.targets.iter().map(Target::code).collect()
}

#[track_caller]
fn one(ix: &DirectoryIndex, phrase: &str, code: &str) {
    let r = ix.resolve(phrase);
    assert_eq!(codes(&r), [code], "{phrase}: {r:?}");
    assert!(r.unresolved.is_empty(), "{phrase}: {r:?}");
    assert!(!r.vague, "{phrase}: {r:?}");
}

#[test]
fn abbreviations_in_the_phrase() {
    let ix = index();
    for (p, c) in [
        ("Sở KH&ĐT", "KHDT"),
        ("Sở KHĐT", "KHDT"),
        ("Sở KH & ĐT", "KHDT"),
        ("Sở Kế hoạch - Đầu tư", "KHDT"),
        ("Sở TT&TT", "TTTT"),
        ("Sở TN&MT", "TNMT"),
        ("Sở GD&ĐT", "GDDT"),
        ("Sở LĐ-TB&XH", "LD"),
        ("Sở LĐTB&XH", "LD"),
        ("Sở NN&PTNT", "NN"),
        ("Sở Nông nghiệp và PTNT", "NN"),
        ("Sở VH,TT&DL", "VH"),
        ("Sở VH-TT&DL", "VH"),
        ("Sở VHTTDL", "VH"),
        ("Sở KH&CN", "KHCN"),
        ("Sở GTVT", "GT"),
        ("UBND tỉnh", "UB"),
        ("Uỷ ban nhân dân tỉnh", "UB"),
        ("VP UBND tỉnh", "VP"),
        ("VPUBND tỉnh", "VP"),
        ("Đài PT&TH tỉnh", "DAI"),
        ("HĐND tỉnh", "HD"),
        ("Văn phòng Đoàn ĐBQH tỉnh", "DB"),
        ("Ủy ban MTTQ Việt Nam tỉnh", "MT"),
        ("Cổng TTĐT tỉnh", "CONG"),
        ("UBND huyện Krông Nô", "H1"),
        ("Báo Đăk Nông", "BAO"),
    ] {
        one(&ix, p, c);
    }
}

#[test]
fn abbreviations_in_the_names() {
    let agencies = vec![
        agency("KHDT", "Sở KH&ĐT", &[]),
        agency("UB", "UBND tỉnh", &[]),
        agency("DAI", "Đài PT&TH tỉnh", &[]),
    ];
    let ix = DirectoryIndex::new(&agencies, &[]);
    one(&ix, "Sở Kế hoạch và Đầu tư", "KHDT");
    one(&ix, "so ke hoach va dau tu", "KHDT");
    one(&ix, "Ủy ban nhân dân tỉnh", "UB");
    one(&ix, "Đài Phát thanh và Truyền hình tỉnh", "DAI");
}

#[test]
fn accents_and_titles() {
    let ix = index();
    one(&ix, "so ke hoach va dau tu", "KHDT");
    one(&ix, "Giám đốc Sở Tài chính", "TC");
    one(&ix, "Giao Giám đốc Sở Nội vụ", "NV");
    one(&ix, "đồng chí Giám đốc Sở Nội vụ", "NV");
    one(&ix, "Chủ tịch UBND tỉnh", "UB");
    one(&ix, "Chánh Văn phòng UBND tỉnh", "VP");
    one(&ix, "Chủ tịch UBND các huyện, thành phố", "HUYEN");
    one(&ix, "Thủ trưởng các Sở, Ban, ngành", "SBN");
    one(&ix, "CT, các PCT UBND tỉnh", "LDUB");
    one(&ix, "CT, PCT UBND tỉnh", "LDUB");
    one(&ix, "UBND tỉnh (qua Sở Nội vụ)", "UB");
    one(&ix, "- UBND tỉnh (b/c);", "UB");
}

#[test]
fn names_with_va_and_commas_stay_whole() {
    let ix = index();
    one(&ix, "Sở Văn hóa, Thể thao và Du lịch", "VH");
    one(&ix, "Các Sở, Ban, ngành", "SBN");
    let r = ix.resolve("Sở Kế hoạch và Đầu tư, Sở Văn hóa, Thể thao và Du lịch và Sở Tài chính");
    assert_eq!(codes(&r), ["KHDT", "VH", "TC"], "{r:?}");
    let r = ix.resolve("Sở Nội vụ, Sở Tài chính và UBND huyện Krông Nô");
    assert_eq!(codes(&r), ["NV", "TC", "H1"], "{r:?}");
    assert!(r.unresolved.is_empty());
}

#[test]
fn lists_under_a_head() {
    let ix = index();
    let r = ix.resolve("Sở: TC, KH&ĐT, GTVT");
    assert_eq!(codes(&r), ["TC", "KHDT", "GT"], "{r:?}");
    let r =
        ix.resolve("các Sở: Kế hoạch và Đầu tư, Thông tin và Truyền thông, Văn phòng UBND tỉnh");
    assert_eq!(codes(&r), ["KHDT", "TTTT", "VP"], "{r:?}");
    let r = ix
        .resolve("Giám đốc các Sở: Nông nghiệp và Phát triển nông thôn, Tài nguyên và Môi trường");
    assert_eq!(codes(&r), ["NN", "TNMT"], "{r:?}");
    let r = ix.resolve("các Sở Nội vụ, Tài chính, Giao thông vận tải");
    assert_eq!(codes(&r), ["NV", "TC", "GT"], "{r:?}");
    let r = ix.resolve("Các Sở: VHTTDL, TC, Ngoại giao");
    assert_eq!(codes(&r), ["VH", "TC"], "{r:?}");
    assert_eq!(r.unresolved, ["Ngoại giao"]);
}

#[test]
fn tiny_abbreviations_alone_do_not_match() {
    let ix = index();
    for p in ["TC", "CT", "Sở", "Giám đốc Sở", "KH"] {
        let r = ix.resolve(p);
        assert!(r.targets.is_empty(), "{p}: {r:?}");
        assert_eq!(r.unresolved, [p], "{p}");
    }
}

#[test]
fn unknown_and_vague() {
    let ix = index();
    let r = ix.resolve("Sở Ngoại giao Sao Hỏa");
    assert!(r.targets.is_empty());
    assert_eq!(r.unresolved, ["Sở Ngoại giao Sao Hỏa"]);
    assert!(!r.vague);
    for v in [
        "các đơn vị có liên quan",
        "các cơ quan, đơn vị, địa phương",
        "Các cơ quan, đơn vị thuộc huyện",
    ] {
        let r = ix.resolve(v);
        assert!(
            r.vague && r.targets.is_empty() && r.unresolved.is_empty(),
            "{v}: {r:?}"
        );
    }
    let r = ix.resolve("Sở Nội vụ và các đơn vị có liên quan");
    assert_eq!(codes(&r), ["NV"]);
    assert!(r.vague && r.unresolved.is_empty(), "{r:?}");
    let r = ix.resolve("Sở Nội vụ, Sở Ngoại giao Sao Hỏa");
    assert_eq!(codes(&r), ["NV"]);
    assert_eq!(r.unresolved, ["Sở Ngoại giao Sao Hỏa"]);
    // Bộ Tài chính is not Sở Tài chính; Trung tâm Y tế … is not the group of districts.
    for p in [
        "Bộ Tài chính",
        "Trung tâm Y tế các huyện, thành phố",
        "Thanh tra Chính phủ (b/c)",
    ] {
        let r = ix.resolve(p);
        assert!(r.targets.is_empty(), "{p}: {r:?}");
        assert_eq!(r.unresolved.len(), 1, "{p}: {r:?}");
    }
}

#[test]
fn a_cut_name_is_not_half_matched() {
    let ix = index();
    let r = ix.resolve("Phòng Kinh tế và Hạ tầng các huyện, thành phố");
    assert!(r.targets.is_empty(), "{r:?}");
    assert_eq!(
        r.unresolved,
        ["Phòng Kinh tế và Hạ tầng các huyện, thành phố"]
    );
}

#[test]
fn agency_codes_expand_groups() {
    let ix = index();
    let r = ix.resolve("Các Sở, Ban, ngành; UBND các huyện, thành phố; Sở Tài chính");
    assert_eq!(codes(&r), ["SBN", "HUYEN", "TC"]);
    assert_eq!(r.agency_codes(), ["VP", "KHDT", "TC", "NV", "H1", "H2"]);
}

#[test]
fn ambiguous_canonical_keys_match_nothing_but_exact_spelling() {
    let agencies = vec![
        agency("A", "Sở Kế hoạch và Đầu tư", &[]),
        agency("B", "Sở KH&ĐT", &[]),
    ];
    let ix = DirectoryIndex::new(&agencies, &[]);
    one(&ix, "Sở Kế hoạch và Đầu tư", "A");
    one(&ix, "Sở KH&ĐT", "B");
    assert!(ix.resolve("Sở KHĐT").targets.is_empty());
}

#[test]
fn serialises_with_kind_tags() {
    let ix = index();
    let v = serde_json::to_value(ix.resolve("Sở Tài chính, UBND các huyện, thành phố")).unwrap();
    assert_eq!(v["targets"][0]["kind"], "agency");
    assert_eq!(v["targets"][1]["kind"], "group");
    assert_eq!(v["targets"][1]["members"][0], "H1");
    let back: Resolution = serde_json::from_value(v).unwrap();
    assert_eq!(back.targets.len(), 2);
}

#[test]
fn never_panics_on_odd_input() {
    let ix = index();
    for p in [
        "",
        " ",
        ",",
        ";;",
        "và",
        "Sở:",
        ":",
        "(",
        ")",
        "các",
        "Giám đốc",
        "- ;",
        "Sở: , ,",
        "và và, ;",
        "Đ/c",
    ] {
        let _ = ix.resolve(p);
    }
}

#[test]
fn resolve_directive_fans_out_and_handles_nhu_tren() {
    let ix = index();
    let d = crate::directive::parse(
        "Kính gửi:\n- Sở Tài chính;\n- UBND các huyện, thành phố.\n\n1. Giao Sở Nội vụ chủ trì, phối hợp với Sở Hàng không Vũ trụ xây dựng Kế hoạch; báo cáo UBND tỉnh trước ngày 20/6/2023.\n2. Các Sở, Ban, ngành; UBND các huyện, thành phố báo cáo kết quả về UBND tỉnh trước ngày 30/6/2023.\n\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n",
        &crate::directive::ParseOptions::default(),
    )
    .unwrap();
    let r = resolve_directive(&ix, &d);
    assert_eq!(r.tasks.len(), d.tasks.len());
    let t1 = &r.tasks[0];
    assert_eq!(t1.lead_agencies, ["NV"]);
    assert!(
        r.unresolved.iter().any(|u| u == "Sở Hàng không Vũ trụ"),
        "{:?}",
        r.unresolved
    );
    let t2 = &r.tasks[1];
    assert_eq!(t2.lead_agencies, ["VP", "KHDT", "TC", "NV", "H1", "H2"]);
    let nhu_tren = &r.recipients[0];
    assert_eq!(codes(nhu_tren), ["TC", "HUYEN"], "{nhu_tren:?}");
}
