"""Rendered labels decode back to their exact URLs: PDF on every layout, PNG, and ZPL text."""

import io
import zipfile

import pytest

from collecte.domain.codes import format_code, new_code
from collecte.printing.layouts import all_layouts, get_layout
from collecte.printing.qr import device_url, shape
from collecte.printing.raster import label_png, write_png_zip
from collecte.printing.render import LabelData, write_alignment_pdf, write_pdf
from collecte.printing.zpl import write_zpl, zpl_escape
from tests.printing.decode import decode, decode_pdf, pdf_pages

PUBLIC = "https://collecte.example.org"


def labels(n: int, **fields) -> list[LabelData]:
    out = []
    for _ in range(n):
        code = new_code()
        out.append(LabelData(url=device_url(PUBLIC, code), printed_code=format_code(code),
                             kind=fields.get("kind", "Ordinateur portable"),
                             title=fields.get("title", "Lenovo ThinkPad T480"),
                             site=fields.get("site", "Atelier d'Évry")))
    return out


@pytest.mark.parametrize("layout", [lay for lay in all_layouts() if "pdf" in lay.formats],
                         ids=lambda lay: lay.id)
def test_every_qr_code_of_a_pdf_decodes_to_its_exact_url(layout, tmp_path):
    batch = labels(layout.per_page + 2)  # a full page and two on the next
    out = tmp_path / "labels.pdf"
    assert write_pdf(batch, layout, str(out)) == len(batch)
    pages = decode_pdf(out, tmp_path)
    expected = [label.url for label in batch]
    if layout.per_page == 1:
        assert [p for page in pages for p in page] == expected
    else:
        assert len(pages) == 2
        assert sorted(pages[0]) == sorted(expected[:layout.per_page])
        assert sorted(pages[1]) == sorted(expected[layout.per_page:])


def test_a_pdf_asks_viewers_not_to_scale_when_printing(tmp_path):
    out = io.BytesIO()
    write_pdf(labels(1), get_layout("avery-l7160"), out)
    assert b"/PrintScaling /None" in out.getvalue()


def test_start_at_skips_the_used_positions_of_a_sheet(tmp_path):
    layout = get_layout("avery-l7160")
    out = tmp_path / "start.pdf"
    write_pdf(labels(3), layout, str(out), start_at=20)
    pages = decode_pdf(out, tmp_path)
    assert [len(p) for p in pages] == [2, 1]
    # Position 20 is the middle of the last row: the first QR is in the lower half of the page.
    import zxingcpp

    first_page = pdf_pages(out, tmp_path)[0]
    tops = [r.position.top_left.y for r in zxingcpp.read_barcodes(first_page)]
    assert min(tops) > first_page.height * 0.8


def test_offsets_shift_every_label(tmp_path):
    import zxingcpp

    layout = get_layout("avery-l7160")
    batch = labels(1)
    plain, shifted = tmp_path / "a.pdf", tmp_path / "b.pdf"
    write_pdf(batch, layout, str(plain))
    write_pdf(batch, layout, str(shifted), offset_mm=(2.0, 3.0))
    a = zxingcpp.read_barcodes(pdf_pages(plain, tmp_path)[0])[0].position.top_left
    b = zxingcpp.read_barcodes(pdf_pages(shifted, tmp_path)[0])[0].position.top_left
    px_per_mm = 300 / 25.4
    assert abs((b.x - a.x) - 2.0 * px_per_mm) < 3
    assert abs((b.y - a.y) - 3.0 * px_per_mm) < 3


@pytest.mark.parametrize("layout", all_layouts(), ids=lambda lay: lay.id)
def test_the_png_preview_of_one_label_decodes(layout):
    label = labels(1, title="Apple iPad 7 ^XA ~JR <script>")[0]
    assert decode(label_png(label, layout)) == [label.url]


def test_many_different_codes_all_decode_with_the_fixed_mask(tmp_path):
    """The mask is fixed for speed: check it on many codes, at the smallest layout."""
    batch = labels(260)
    out = tmp_path / "many.pdf"
    write_pdf(batch, get_layout("avery-l7651"), str(out))
    found = [url for page in decode_pdf(out, tmp_path) for url in page]
    assert sorted(found) == sorted(label.url for label in batch)


def test_a_zip_of_pngs_holds_one_decodable_image_per_label(tmp_path):
    batch = labels(3)
    out = io.BytesIO()
    write_png_zip(batch, get_layout("brother-ql-62x29"), out)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert names == [f"{label.printed_code}.png" for label in batch]
        for label in batch:
            assert decode(archive.read(f"{label.printed_code}.png")) == [label.url]


def test_zpl_escapes_user_text_so_it_cannot_end_a_field_or_start_a_command():
    label = labels(1, title="Dell ^XZ^FO0,0 ~JR Latitude_5490 é", site="Atelier ~ ^")[0]
    out = io.StringIO()
    write_zpl([label], get_layout("zebra-50x25"), out)
    text = out.getvalue()
    assert text.count("^XA") == 1 and text.count("^XZ") == 1
    assert "~" not in text
    assert "_5EXZ_5EFO0,0 _7EJR Latitude_5F5490 _C3_A9" in text
    assert f"^FDMA,{label.url}^FS" in text
    assert "^PW400" in text and "^LL200" in text  # 50 × 25 mm at 203 dpi
    assert zpl_escape("7K3M-9QXT-H") == "7K3M-9QXT-H"


def test_the_alignment_page_draws_one_frame_per_position(tmp_path):
    out = tmp_path / "align.pdf"
    write_alignment_pdf(get_layout("avery-l7160"), str(out), offset_mm=(1.0, -0.5))
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/PrintScaling /None" in data
    assert len(pdf_pages(out, tmp_path)) == 1


def test_qr_rectangles_cover_exactly_the_dark_modules():
    from collecte.printing.qr import matrix

    url = device_url(PUBLIC, new_code())
    modules = matrix(url)
    painted = [[False] * len(modules) for _ in modules]
    for x, y, w, h in shape(url).rects:
        for yy in range(y, y + h):
            for xx in range(x, x + w):
                assert not painted[yy][xx]
                painted[yy][xx] = True
    assert painted == [[bool(m) for m in row] for row in modules]


def test_a_large_batch_encoded_by_helper_processes_gives_the_same_pdf(tmp_path):
    from collecte.printing.render import PARALLEL_CHUNK

    batch = labels(PARALLEL_CHUNK + 7)
    layout = get_layout("avery-l7651")
    parallel, serial = io.BytesIO(), io.BytesIO()
    seen = []
    assert write_pdf(batch, layout, parallel, progress=seen.append) == len(batch)
    write_pdf(iter(batch), layout, serial, parallel=False)
    assert parallel.getvalue() == serial.getvalue()
    assert seen == list(range(200, len(batch) + 1, 200))
    # The last page holds the labels after the pool's first chunk: they decode too.
    last = -(-len(batch) // layout.per_page)
    found = decode_pdf(parallel.getvalue(), tmp_path, page=last)[0]
    assert sorted(found) == sorted(la.url for la in batch[(last - 1) * layout.per_page:])
