#!/usr/bin/env python3
"""Builds the .docx equivalent of a trinhky DocumentData JSON (same text, same ND30 layout: A4, margins,
two-column header, type name, body with table, signature + Nơi nhận), for the LibreOffice comparison."""
import json, re, sys
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

src, out = sys.argv[1], sys.argv[2]
d = json.load(open(src, encoding="utf-8"))
doc = Document()
s = doc.sections[0]
s.page_width, s.page_height = Cm(21.0), Cm(29.7)
s.top_margin, s.bottom_margin, s.left_margin, s.right_margin = Cm(2), Cm(2), Cm(3), Cm(1.5)
st = doc.styles["Normal"]
st.font.name, st.font.size = "Times New Roman", Pt(14)

def para(cell_or_doc, text, size=14, bold=False, italic=False, align=None, indent=None):
    p = cell_or_doc.add_paragraph()
    for i, part in enumerate(re.split(r"\*\*", text)):
        r = p.add_run(part)
        r.font.size, r.bold, r.italic = Pt(size), bold or i % 2 == 1, italic
    if align: p.alignment = align
    if indent: p.paragraph_format.first_line_indent = indent
    p.paragraph_format.space_before = Pt(6)
    return p

C = WD_ALIGN_PARAGRAPH.CENTER
h = doc.add_table(rows=2, cols=2)
h.columns[0].width, h.columns[1].width = Cm(6.2), Cm(9.3)
l, r = h.cell(0, 0), h.cell(0, 1)
para(l, d.get("parent_body", "").upper(), 12, align=C)
para(l, d["issuing_body"].upper(), 12, bold=True, align=C)
para(r, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True, align=C)
para(r, "Độc lập - Tự do - Hạnh phúc", 13, bold=True, align=C)
para(h.cell(1, 0), "Số: " + d["number"], 13, align=C)
y, m, dd = d["date"].split("-")
mm = m if int(m) <= 2 else str(int(m))
para(h.cell(1, 1), f"{d['place']}, ngày {dd} tháng {mm} năm {y}", 13, italic=True, align=C)
para(doc, "BÁO CÁO", 14, bold=True, align=C)
para(doc, d["title"], 14, bold=True, align=C)
rows = []
def flush():
    global rows
    if rows:
        t = doc.add_table(rows=len(rows), cols=len(rows[0]))
        t.style = "Table Grid"
        for i, row in enumerate(rows):
            for j, c in enumerate(row):
                t.cell(i, j).text = c
        rows = []
for line in d["body"].splitlines():
    line = line.strip()
    if line.startswith("|"):
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not all(re.fullmatch(r"[-:]+", c) for c in cells): rows.append(cells)
        continue
    flush()
    if line:
        para(doc, line, 14, bold=bool(re.match(r"^([IVX]+|\d+)\. ", line)), indent=Cm(1)).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
flush()
f = doc.add_table(rows=1, cols=2)
nn, sg = f.cell(0, 0), f.cell(0, 1)
para(nn, "Nơi nhận:", 12, bold=True, italic=True)
for i, x in enumerate(d["recipients"]):
    para(nn, "- " + x + ("." if i == len(d["recipients"]) - 1 else ";"), 11)
for a in d["signer"]["authority"] + [d["signer"]["position"]]:
    para(sg, a, 14, bold=True, align=C)
for _ in range(4): para(sg, "", 14)
para(sg, d["signer"]["name"], 14, bold=True, align=C)
doc.core_properties.title, doc.core_properties.author = d["title"], d["issuing_body"]
doc.save(out)
