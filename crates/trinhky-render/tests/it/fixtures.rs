//! Sample documents for every template, and a shared renderer.

use std::sync::OnceLock;

use trinhky_render::{DocumentData, Renderer, Signer};

pub fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| {
        Renderer::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../templates")).unwrap()
    })
}

pub const ALL: [&str; 6] = trinhky_render::TEMPLATES;

/// A one-page document for `template`, with the fields that template uses.
pub fn sample(template: &str) -> DocumentData {
    let mut d = DocumentData {
        parent_body: Some("UBND tỉnh Đắk Nông".into()),
        issuing_body: "Sở Nội vụ".into(),
        number: Some("05/BC-SNV".into()),
        code: "BC-SNV".into(),
        place: "Gia Nghĩa".into(),
        date: chrono::NaiveDate::from_ymd_opt(2023, 6, 5),
        type_name: None,
        title: "Kết quả thực hiện nhiệm vụ 6 tháng đầu năm 2023".into(),
        addressees: vec![],
        decider: None,
        preamble: vec![],
        body: "I. KẾT QUẢ ĐẠT ĐƯỢC\n1. Công tác tổ chức bộ máy\nSở Nội vụ đã tham mưu Ủy ban nhân dân tỉnh ban hành **04 quyết định** quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của các sở, ban, ngành trên địa bàn tỉnh.\n- Tổng biên chế công chức được giao là 1.852 biên chế;\n- Đã thực hiện tinh giản biên chế đối với 126 trường hợp.\n| STT | Đơn vị | Số phòng |\n|---|---|---|\n| 1 | Sở Nội vụ | 5 |\n| 2 | Sở Tài chính | 6 |\nTrên đây là báo cáo của Sở Nội vụ./.".into(),
        signer: Signer { authority: vec!["KT. GIÁM ĐỐC".into()], position: "PHÓ GIÁM ĐỐC".into(), name: "Nguyễn Văn An".into() },
        recipients: vec!["UBND tỉnh (b/c)".into(), "Giám đốc, các PGĐ Sở".into(), "Lưu: VT, TCBC".into()],
        draft: false,
        timestamp: chrono::DateTime::parse_from_rfc3339("2023-06-05T09:30:00+07:00").ok(),
    };
    match template {
        "ke-hoach" => {
            d.number = Some("12/KH-SNV".into());
            d.code = "KH-SNV".into();
            d.title = "Triển khai công tác cải cách hành chính năm 2024".into();
        }
        "to-trinh" => {
            d.number = Some("08/TTr-SNV".into());
            d.code = "TTr-SNV".into();
            d.title = "Đề nghị phê duyệt Đề án vị trí việc làm".into();
            d.addressees = vec!["Ủy ban nhân dân tỉnh Đắk Nông".into()];
        }
        "thong-bao" => {
            d.number = Some("03/TB-SNV".into());
            d.code = "TB-SNV".into();
            d.title = "Kết luận của Giám đốc Sở tại cuộc họp giao ban tháng 01 năm 2024".into();
            d.date = chrono::NaiveDate::from_ymd_opt(2024, 1, 9);
        }
        "quyet-dinh" => {
            d.number = Some("125/QĐ-SNV".into());
            d.code = "QĐ-SNV".into();
            d.title = "Về việc thành lập Tổ công tác rà soát thủ tục hành chính".into();
            d.decider = Some("GIÁM ĐỐC SỞ NỘI VỤ TỈNH ĐẮK NÔNG".into());
            d.preamble = vec![
                "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;".into(),
                "Theo đề nghị của Chánh Văn phòng Sở.".into(),
            ];
            d.body = "Điều 1. Thành lập Tổ công tác rà soát thủ tục hành chính của Sở Nội vụ gồm các ông, bà có tên sau đây.\nĐiều 2. Tổ công tác có nhiệm vụ rà soát, đề xuất đơn giản hóa thủ tục hành chính thuộc phạm vi quản lý của Sở.\nĐiều 3. Chánh Văn phòng Sở, Trưởng các phòng và các ông, bà có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.".into();
            d.signer.authority = vec![];
            d.signer.position = "GIÁM ĐỐC".into();
            d.signer.name = "Trần Thị Bình".into();
            d.recipients = vec!["Như Điều 3".into(), "Lưu: VT, VP".into()];
        }
        "cong-van" => {
            d.number = Some("245/SNV-TCBC".into());
            d.code = "SNV-TCBC".into();
            d.title = "Báo cáo số lượng cán bộ, công chức cấp xã".into();
            d.addressees = vec![
                "Ủy ban nhân dân các huyện".into(),
                "Ủy ban nhân dân thành phố Gia Nghĩa".into(),
            ];
            d.body = "Thực hiện Công văn số 1234/BNV-CQĐP ngày 20 tháng 5 năm 2023 của Bộ Nội vụ, Sở Nội vụ đề nghị Ủy ban nhân dân các huyện, thành phố báo cáo số lượng cán bộ, công chức cấp xã hiện có đến ngày 30 tháng 6 năm 2023.\nBáo cáo gửi về Sở Nội vụ trước ngày 10 tháng 7 năm 2023 để tổng hợp, báo cáo Bộ Nội vụ./.".into();
            d.recipients = vec!["Như trên".into(), "Lưu: VT, TCBC".into()];
        }
        _ => {}
    }
    d
}

/// A báo cáo long enough to need several pages.
pub fn long_report(paragraphs: usize) -> DocumentData {
    let mut d = sample("bao-cao");
    let mut body = String::from("I. KẾT QUẢ CHI TIẾT\n");
    for i in 1..=paragraphs {
        body.push_str(&format!(
            "Nội dung đoạn số {i}: các cơ quan, đơn vị đã triển khai thực hiện nghiêm túc chỉ đạo của Ủy ban nhân dân tỉnh về công tác tổ chức cán bộ, cải cách hành chính và thi đua, khen thưởng trong kỳ báo cáo.\n"
        ));
    }
    body.push_str("Trên đây là báo cáo của Sở Nội vụ./.");
    d.body = body;
    d
}
