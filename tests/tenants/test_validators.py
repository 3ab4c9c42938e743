import pytest
from django.core.exceptions import ValidationError

from tenants.validators import (
    credit_code_check_character,
    credit_code_normalise,
    document_inspect,
    validate_credit_code,
)
from tests.builders import PDF_BYTES, credit_code_for, image_bytes, upload

# Codes printed on real business licences (published in companies' own filings).
PUBLISHED_CODES = [
    "91350100M000100Y43",  # the example of GB 32100-2015
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91330100716105852F",  # 阿里巴巴(中国)网络技术有限公司
]


def _code(value: str) -> str:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(value)
    return info.value.code


# --- unified social credit code --------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_credit_codes_are_valid(code):
    validate_credit_code(code)
    assert credit_code_check_character(code[:17]) == code[17]


def test_check_character_computed_by_hand():
    # 9 1 3 5 0 1 0 0 M 0 0 0 1 0 0 Y 4: Σ value × 3^i mod 31 = 28, so 31 - 28 = 3.
    values = [9, 1, 3, 5, 0, 1, 0, 0, 21, 0, 0, 0, 1, 0, 0, 30, 4]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights, strict=True))
    assert total % 31 == 28
    assert credit_code_check_character("91350100M000100Y4") == "3"


def test_check_remainder_zero_gives_check_character_zero():
    # Find a body whose weighted sum is a multiple of 31: its check character must be "0",
    # not the out-of-range 31st character.
    for n in range(1000):
        body = f"91350100{n:09d}"
        if credit_code_check_character(body) == "0":
            validate_credit_code(body + "0")
            assert _code(body + "1") == "credit_code_check"
            break
    else:
        pytest.fail("no body with check character 0 among the first thousand")


def test_generated_codes_are_valid_and_distinct():
    codes = {credit_code_for(f"seed-{n}") for n in range(200)}
    assert len(codes) == 200
    for code in codes:
        validate_credit_code(code)


@pytest.mark.parametrize("code", ["91350100M000100Y44", "914403001922038217", "9144030071526726XA"])
def test_wrong_check_character_is_refused(code):
    assert _code(code) == "credit_code_check"


def test_swapped_characters_are_caught():
    assert _code("91350100M001000Y43") == "credit_code_check"


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", "", "9"])
def test_wrong_length_is_refused(code):
    assert _code(code) == "credit_code_length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_refused(letter):
    code = "91350100M000100" + letter + "43"
    assert _code(code) == "credit_code_characters"
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert letter in info.value.messages[0]


def test_registration_authority_and_category_are_checked():
    body = "B1350100M000100Y4"  # B is not a registration authority
    assert _code(body + credit_code_check_character(body)) == "credit_code_authority"
    body = "9A350100M000100Y4"  # A is not a category
    assert _code(body + credit_code_check_character(body)) == "credit_code_authority"


def test_region_code_must_be_digits():
    body = "9135A100M000100Y4"
    assert _code(body + credit_code_check_character(body)) == "credit_code_region"


def test_input_is_normalised_to_uppercase_without_separators():
    assert credit_code_normalise(" 9144 0300 7152 6726xg ") == "9144030071526726XG"
    assert credit_code_normalise("91350100-m000100y43") == "91350100M000100Y43"
    validate_credit_code(credit_code_normalise("9144030071526726xg"))


def test_lowercase_is_not_accepted_without_normalising():
    assert _code("9144030071526726xg") == "credit_code_characters"


# --- documents --------------------------------------------------------------------------------


def test_pdf_png_and_jpeg_are_recognised_by_content():
    assert document_inspect(upload("a.pdf", PDF_BYTES)).content_type == "application/pdf"
    assert document_inspect(upload("b.png", image_bytes("PNG"))).content_type == "image/png"
    assert document_inspect(upload("c.jpg", image_bytes("JPEG"))).content_type == "image/jpeg"


def test_png_named_pdf_is_accepted_as_png():
    check = document_inspect(upload("licence.pdf", image_bytes("PNG"), "application/pdf"))
    assert check.content_type == "image/png"


def test_text_named_pdf_is_refused_with_its_name():
    with pytest.raises(ValidationError) as info:
        document_inspect(upload("licence.pdf", b"just some text\n" * 20, "application/pdf"))
    assert info.value.code == "document_type"
    assert "licence.pdf" in info.value.messages[0]


def test_other_formats_are_refused():
    gif = b"GIF89a" + b"\x00" * 50
    with pytest.raises(ValidationError):
        document_inspect(upload("scan.gif", gif, "image/gif"))
    zip_bytes = b"PK\x03\x04" + b"\x00" * 50
    with pytest.raises(ValidationError):
        document_inspect(upload("licence.pdf", zip_bytes))


def test_truncated_image_is_refused():
    broken = image_bytes("PNG")[:40]
    with pytest.raises(ValidationError) as info:
        document_inspect(upload("photo.png", broken, "image/png"))
    assert info.value.code == "document_damaged"


def test_size_limit_from_settings(settings):
    settings.APPLICATION_DOCUMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as info:
        document_inspect(upload("big.pdf", PDF_BYTES + b"0" * 200))
    assert info.value.code == "document_too_large"
    assert "big.pdf" in info.value.messages[0]
    settings.APPLICATION_DOCUMENT_MAX_BYTES = 10_000
    assert document_inspect(upload("big.pdf", PDF_BYTES + b"0" * 200))


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as info:
        document_inspect(upload("empty.pdf", b""))
    assert info.value.code == "document_empty"
