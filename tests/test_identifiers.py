"""Identifiers are ASCII digits: every number that names a person or a record (ID number, phone,
household number, ids in URLs and forms) is normalised (NFKC: full-width → ASCII) and then
checked strictly, in every way it comes in: resident forms, the register's services, Excel
import, the user admin form, login, search, the command line, URL and form ids.

Python's ``\\d`` and ``str.isdigit()`` accept ``４`` (full-width), ``٤`` (Arabic-Indic) and ``²``;
``43０６２４…`` used to pass the check and, stored as typed, escape the uniqueness check."""
from datetime import date

import pytest

from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ID_PROBLEMS
from portal.people import services
from portal.people.identity import make_id_number
from portal.people.models import Household, Resident
from portal.people.search import search_residents
from portal.request_guard import parse_id
from portal.validators import id_number_problem, is_phone, normalise_id_number, normalise_phone
from tests.test_people_import import HEADERS, xlsx

ZHANG_ID = "430624195001010013"
NEW_ID = make_id_number("430624", date(1961, 4, 5), 21, False)
NEW_PHONE = "13912340000"

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def variants(number: str) -> dict[str, str]:
    """The number with its third and fourth digits (or all digits) written in other scripts."""
    def part(table):
        return number[:2] + number[2:4].translate(table) + number[4:]

    return {"full-width": part(FULL_WIDTH), "all-full-width": number.translate(FULL_WIDTH),
            "arabic-indic": part(ARABIC_INDIC), "superscript": part(SUPERSCRIPT)}


#: What becomes of each variant: NFKC folds full-width and superscript digits into ASCII, so
#: they are the same number; Arabic-Indic digits are other characters and are refused.
NORMALISED = {"full-width", "all-full-width", "superscript"}


def test_the_old_checks_let_these_through():
    """What the tests below guard against: Python's own digit tests accept every variant."""
    for variant in variants(ZHANG_ID).values():
        assert variant[:17].isdigit() and variant != ZHANG_ID


@pytest.mark.parametrize("kind", sorted(variants(ZHANG_ID)))
def test_id_number_check_refuses_any_non_ascii_digit_until_normalised(kind):
    value = variants(ZHANG_ID)[kind]
    assert id_number_problem(value) == "digits"
    normalised = normalise_id_number(value)
    if kind in NORMALISED:
        assert normalised == ZHANG_ID and id_number_problem(normalised) is None
    else:
        assert not normalised.isascii() and id_number_problem(normalised) == "digits"


@pytest.mark.parametrize("kind", sorted(variants(NEW_PHONE)))
def test_phone_check_normalises_or_refuses(kind):
    value = variants(NEW_PHONE)[kind]
    assert is_phone(value) == (kind in NORMALISED)
    if kind in NORMALISED:
        assert normalise_phone(value) == NEW_PHONE


@pytest.mark.parametrize("number, problem", [
    ("430624195001010014", "check_digit"),   # stdnum.cn.ric's check digit
    ("430624195002300013", "birth_date"),    # 30 February
    ("430699195001010013", "region"),        # no such county in stdnum's table
    ("990624195001010013", "region"),        # no such province
    ("43062419500101001", "length"),
    ("43062419500101001Y", "length"),
    (ZHANG_ID, None),
    ("11010519491231002X", None),
])
def test_gb11643_rule_with_our_messages(number, problem):
    assert id_number_problem(number) == problem
    if problem:
        assert str(ID_PROBLEMS[problem])  # each problem has its Chinese message


def test_a_county_code_is_valid_for_people_born_before_it_was_created():
    """stdnum's birth-place lookup ties 湘阴县's code to 1986 on; a number is given where one is
    registered, so a 1950 birth there is a valid number (the demo county's residents)."""
    assert id_number_problem(make_id_number("430624", date(1950, 1, 1), 1, False)) is None


def test_a_region_is_looked_up_in_stdnums_table_once(monkeypatch):
    """stdnum walks its table of regions for every lookup (a quarter of an import's time): the
    answer for a region code is kept, and a code it does not know is still refused."""
    from stdnum import numdb

    import portal.validators as validators

    validators._county_in_table.cache_clear()
    asked = []
    real = numdb.get

    def counted(name):
        asked.append(name)
        return real(name)

    monkeypatch.setattr(validators.numdb, "get", counted)
    numbers = [make_id_number("430624", date(1960 + n, 1, 1), n, False) for n in range(5)]
    assert all(id_number_problem(number) is None for number in numbers)
    assert len(asked) == 1
    assert id_number_problem(make_id_number("999999", date(1960, 1, 1), 1, False)) == "region"
    assert len(asked) == 2


# ------------------------------------------------------------------------ the resident form

def _resident_form(**fields):
    data = {"name": "新居民", "relation": "spouse", "id_number": "", "phone": "",
            "residence": "local"}
    data.update(fields)
    return data


@pytest.mark.parametrize("field, number", [("id_number", NEW_ID), ("phone", NEW_PHONE)])
@pytest.mark.parametrize("kind", ["full-width", "all-full-width", "arabic-indic", "superscript"])
def test_resident_form_stores_ascii_or_refuses(client, tree, field, number, kind):
    client.login("grid_worker")
    typed = variants(number)[kind]
    response = client.post(f"/people/households/{tree.household_a2.id}/residents/new",
                           data=_resident_form(**{field: typed}))
    resident = db.session.scalar(db.select(Resident).filter_by(name="新居民"))
    if kind in NORMALISED:
        assert response.status_code == 302, response.get_data(as_text=True)
        assert getattr(resident, field) == number
        reversed_key = resident.id_reversed if field == "id_number" else resident.phone_reversed
        assert reversed_key == number[::-1]
    else:
        assert response.status_code == 422 and resident is None
        assert 'aria-invalid="true"' in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["full-width", "all-full-width", "superscript"])
def test_a_look_alike_duplicate_of_an_id_number_is_a_duplicate(client, tree, kind):
    typed = variants(ZHANG_ID)[kind]
    with pytest.raises(DomainError, match="已登记在其他居民名下"):
        services.add_resident(tree.household_a2, "冒名", id_number=typed)
    db.session.rollback()
    client.login("grid_worker")
    response = client.post(f"/people/households/{tree.household_a2.id}/residents/new",
                           data=_resident_form(name="冒名", id_number=typed))
    assert response.status_code == 422
    assert "已登记在其他居民名下" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Resident).filter_by(name="冒名")) is None


@pytest.mark.parametrize("kind, stored", [("full-width", "003"), ("superscript", "003"),
                                          ("arabic-indic", None)])
def test_household_numbers_are_ascii(client, tree, kind, stored):
    client.login("grid_worker")
    typed = "003".translate({"full-width": FULL_WIDTH, "superscript": SUPERSCRIPT,
                             "arabic-indic": ARABIC_INDIC}[kind])
    response = client.post(f"/people/households/new?grid={tree.grid_a1.id}",
                           data={"address": "城西路3号", "number": typed, "colour": ""})
    household = db.session.scalar(db.select(Household).filter_by(address="城西路3号"))
    assert (household.number if household else None) == stored
    assert response.status_code == (302 if stored else 422)
    # a look-alike of a number the grid has is that number
    duplicate = client.post(f"/people/households/new?grid={tree.grid_a1.id}",
                            data={"address": "城西路4号", "number": "００１", "colour": ""})
    assert duplicate.status_code == 422 and "已有户编号 001" in duplicate.get_data(as_text=True)


# ------------------------------------------------------------------------ import

@pytest.mark.parametrize("kind", ["full-width", "arabic-indic", "superscript"])
def test_excel_import_refuses_non_ascii_identifiers(client, tree, kind):
    from portal.people.transfer import import_file

    code = tree.grid_a2.code
    table = {"full-width": FULL_WIDTH, "superscript": SUPERSCRIPT,
             "arabic-indic": ARABIC_INDIC}[kind]
    rows = [
        [code, "201", "城西路201号", "", "甲", "户主", variants(NEW_ID)[kind], "", "户籍常住", "", ""],
        [code, "202".translate(table), "城西路202号", "", "乙", "户主", "", "", "户籍常住", "", ""],
        [code, "203", "城西路203号", "", "丙", "户主", variants(ZHANG_ID)[kind], "", "户籍常住", "",
         ""],
    ]
    report = import_file(xlsx(rows), tree.town_a)
    db.session.commit()
    bad = {(e.row, e.column) for e in report.errors}
    assert bad == {(2, "身份证号"), (3, "户编号"), (4, "身份证号")}, report.errors
    assert not db.session.scalars(db.select(Resident).where(Resident.name.in_(["甲", "乙", "丙"]))).all()
    # a phone typed full-width is the same phone
    rows = [[code, "204", "城西路204号", "", "丁", "户主", "", variants(NEW_PHONE)["full-width"],
             "户籍常住", "", ""]]
    report = import_file(xlsx(rows), tree.town_a)
    db.session.commit()
    assert not report.errors
    assert db.session.scalar(db.select(Resident.phone).filter_by(name="丁")) == NEW_PHONE
    assert HEADERS  # the import layout the rows above follow


# ------------------------------------------------------------------------ users and login

@pytest.mark.parametrize("kind", ["full-width", "arabic-indic", "superscript"])
def test_user_admin_form_and_login_use_ascii_numbers(client, tree, kind):
    client.login("town_admin")
    response = client.post("/admin/users/new", data={
        "username": "new_worker", "display_name": "新网格员", "role": "grid_worker",
        "scope": tree.grid_a2.id, "password": "abc12345",
        "phone": variants(NEW_PHONE)[kind], "id_number": variants(NEW_ID)[kind]})
    user = db.session.scalar(db.select(User).filter_by(username="new_worker"))
    if kind not in NORMALISED:
        assert response.status_code == 422 and user is None
        return
    assert response.status_code == 302
    assert (user.phone, user.id_number) == (NEW_PHONE, NEW_ID)
    client.logout()
    # logging in with the number typed full-width finds the account
    client.login(variants(NEW_PHONE)["all-full-width"], "abc12345")
    client.logout()
    client.login(variants(NEW_ID)["all-full-width"], "abc12345")


def test_a_full_width_duplicate_of_a_users_phone_is_a_duplicate(client, tree):
    client.login("town_admin")
    data = {"display_name": "网格员", "role": "grid_worker", "scope": tree.grid_a2.id,
            "password": "abc12345", "id_number": ""}
    assert client.post("/admin/users/new", data={**data, "username": "first",
                                                  "phone": NEW_PHONE}).status_code == 302
    twin = client.post("/admin/users/new", data={**data, "username": "second",
                                                  "phone": variants(NEW_PHONE)["full-width"]})
    assert twin.status_code == 422 and "已绑定其他账号" in twin.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["full-width", "arabic-indic"])
def test_cli_users_create_normalises_or_refuses_the_phone(runner, tree, kind):
    result = runner.invoke(args=["users", "create", "--username", "cli_user", "--password",
                                 "pass12345", "--role", "village_admin", "--scope",
                                 tree.village_a2.code, "--phone", variants(NEW_PHONE)[kind]])
    user = db.session.scalar(db.select(User).filter_by(username="cli_user"))
    if kind in NORMALISED:
        assert result.exit_code == 0, result.output
        assert user.phone == NEW_PHONE
    else:
        assert result.exit_code != 0 and user is None


# ------------------------------------------------------------------------ search

def test_search_by_full_width_digits_is_the_ascii_search(app, tree):
    assert tree.resident_a in search_residents(tree.county, "００１３")
    assert tree.resident_a in search_residents(tree.county, variants(ZHANG_ID)["all-full-width"])
    assert tree.resident_a not in search_residents(tree.county, "٠٠١٣")


# ------------------------------------------------------------------------ ids in URLs and forms

def test_parse_id_takes_ascii_digits_only():
    assert parse_id("42") == 42
    for value in ("４２", "٤٢", "4²", "²", "⁴²"):
        assert parse_id(value) is None, value


def test_every_int_url_argument_matches_ascii_digits_only(app, client, tree):
    """Every <int:…> route of the core and every plugin, with a real id written in other
    scripts: no route matches (404), so no record has a second spelling. (werkzeug's \\d+
    matched them, and int() read "４２" as 42.)"""
    from flask import url_for

    client.login("county_admin")
    rules = [r for r in app.url_map.iter_rules()
             if any(type(c).__name__ == "IdConverter" for c in r._converters.values())]
    assert len(rules) > 40
    marker = tree.resident_a.id * 1000 + 7  # digits of its own, found once in the URL
    for rule in rules:
        values = {}
        for name, converter in rule._converters.items():
            if type(converter).__name__ == "IdConverter":
                values[name] = marker
            else:
                values[name] = sorted(getattr(converter, "items", None) or ["x"])[0]
        with app.test_request_context():
            template = url_for(rule.endpoint, **values)
        for table in (FULL_WIDTH, ARABIC_INDIC, SUPERSCRIPT):
            url = template.replace(str(marker), str(tree.resident_a.id).translate(table))
            adapter = app.url_map.bind("localhost")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                try:
                    endpoint, _args = adapter.match(url, method=method)
                except Exception:  # NotFound / MethodNotAllowed: no route takes it
                    continue
                assert endpoint != rule.endpoint, f"{method} {url} matched {endpoint}"
        response = client.get(template.replace(str(marker),
                                               str(tree.resident_a.id).translate(FULL_WIDTH)))
        assert response.status_code in (404, 405), (template, response.status_code)


@pytest.mark.parametrize("kind", ["arabic-indic", "too-big", "full-width"])
def test_an_id_typed_in_a_form_is_read_as_ascii_or_refused(client, tree, kind):
    """A typed record id (moving a resident into household no. N, IdField): full-width digits
    are that household (NFKC), Arabic-Indic digits or an id no record can have are refused next
    to the field; never a 500. (IntegerField's int() read "٤٢" as 42.)"""
    client.login("grid_worker")
    typed = {"arabic-indic": str(tree.household_a2.id).translate(ARABIC_INDIC),
             "too-big": str(10 ** 30),
             "full-width": str(tree.household_a2.id).translate(FULL_WIDTH)}[kind]
    response = client.post(f"/people/residents/{tree.resident_a.id}/move",
                           data={"household": typed, "relation": "other"})
    db.session.expire_all()
    moved_to = db.session.get(Resident, tree.resident_a.id).household_id
    if kind == "full-width":
        assert response.status_code == 302 and moved_to == tree.household_a2.id
    else:
        assert response.status_code == 422 and moved_to == tree.household_a.id
        assert 'aria-invalid="true"' in response.get_data(as_text=True)  # next to the field
