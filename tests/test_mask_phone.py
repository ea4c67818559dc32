"""One phone mask (portal.people.masking.mask_phone) for pages, the template filter, exports and
the audit log. The template filter used to be a second function that showed a number of six
characters or fewer whole, and both showed a seven-digit landline whole (3 + 4 characters)."""
import pytest

from portal.people.masking import mask_phone


@pytest.mark.parametrize("number, mask", [
    ("13812345678", "138****5678"),       # mobile: the mask every Chinese service shows
    ("0730-1234567", "073****4567"),      # landline with its area code
    ("07318456123", "073****6123"),
    ("0731-84561234", "073****1234"),
    ("84561234", "84****34"),             # 8-digit landline without its area code
    ("8456123", "8****23"),               # 7-digit landline
    ("123456", "1****6"),
    ("12345", "****5"),                   # a hotline
    ("1234", "****"),
    ("1", "****"),
    ("", ""),
    (None, ""),
])
def test_mask(number, mask):
    assert mask_phone(number) == mask


@pytest.mark.parametrize("number", ["13812345678", "0730-1234567", "84561234", "8456123",
                                    "123456", "12345", "110"])
def test_never_a_whole_number_and_at_least_four_hidden(number):
    mask = mask_phone(number)
    shown = mask.replace("****", "", 1)
    assert number not in mask and "****" in mask
    assert len(number) - len(shown) >= 4 or len(number) <= 4
    assert len(shown) <= 7 and (len(number) >= 11 or len(shown) <= len(number) // 2)
    assert number.startswith(mask.split("****")[0]) and number.endswith(mask.split("****")[1])


def test_the_template_filter_is_the_same_mask(app):
    assert app.jinja_env.filters["mask_phone"] is mask_phone
    render = app.jinja_env.from_string("{{ phone|mask_phone }}").render
    assert render(phone="8456123") == "8****23"
    assert render(phone=None) == ""
