"""The disputes' rules: the risk level from the town's rules, registering with parties, the whole
mediation ladder with who may take each step and its deadline in working days, agreements with
every signature, follow-up visits, a broken agreement reopening the dispute, ending without
agreement, and the links with cases."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plugins.disputes import ladder, services
from plugins.disputes.models import Dispute, DisputeFollowup, DisputeParty
from plugins.disputes.services import PartyInput
from portal.audit.models import AuditEntry
from portal.cases.calendar import WorkCalendar
from portal.errors import DomainError
from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today


@pytest.fixture
def on(app, tree):
    set_module(tree.town_a, "disputes", True)
    db.session.commit()
    return tree


def two_sides(tree, outsider="外村王五"):
    return [PartyInput(name="", side="a", resident_id=tree.resident_a.id),
            PartyInput(name=outsider, side="b")]


def register(tree, **kw):
    fields = dict(kind="neighbour", title="排水沟纠纷", description="两户争执。",
                  found_on=local_today(), parties=two_sides(tree), actor=tree.users["grid_worker"])
    fields.update(kw)
    return services.register(tree.grid_a1, **fields)


# ---------------------------------------------------------------- risk


RULES = services.DEFAULT_RULES


@pytest.mark.parametrize("fields, level", [
    ({"kind": "neighbour", "amount": None}, "green"),
    ({"kind": "neighbour", "amount": 9_999}, "green"),
    ({"kind": "neighbour", "amount": 10_000}, "yellow"),
    ({"kind": "land", "amount": None}, "yellow"),
    ({"kind": "demolition", "amount": 0}, "yellow"),
    ({"kind": "family", "amount": 100_000}, "red"),
    ({"kind": "family", "criminal_risk": True}, "red"),
    ({"kind": "family", "group_risk": True}, "red"),
    ({"kind": "family", "parties": 5}, "red"),
    ({"kind": "family", "parties": 4}, "green"),
])
def test_the_risk_level_follows_the_town_rules(fields, level):
    args = {"amount": None, "parties": 2, "criminal_risk": False, "group_risk": False, **fields}
    assert services.rule_risk(RULES, **args) == level


def test_an_officer_may_raise_the_risk_but_never_lower_it(on):
    assert register(on, risk="yellow").risk == "yellow"
    assert register(on, kind="land", risk="green").risk == "yellow"


def test_a_red_dispute_goes_to_the_town_at_once(on):
    dispute = register(on, criminal_risk=True)
    assert dispute.risk == "red" and dispute.state == "reported" and dispute.escalated
    assert [s.action for s in dispute.steps] == ["register", "report"]
    assert dispute.due_on == WorkCalendar.around(local_today()).add_working_days(
        local_today(), RULES["days"]["reported"])


# ---------------------------------------------------------------- registering


@pytest.mark.parametrize("change, field", [
    ({"parties": [PartyInput(name="一人", side="a")]}, "parties"),
    ({"parties": [PartyInput(name="甲", side="a"), PartyInput(name="乙", side="a")]}, "parties"),
    ({"parties": [PartyInput(name="甲", side="a"), PartyInput(name="乙", side="b", phone="12")]},
     "parties"),
    ({"kind": "war"}, "kind"),
    ({"title": " "}, "title"),
    ({"description": ""}, "description"),
    ({"found_on": local_today() + timedelta(days=1)}, "found_on"),
    ({"amount": -1}, "amount"),
])
def test_bad_input_is_refused_by_field_and_nothing_is_written(on, change, field):
    with pytest.raises(DomainError) as refused:
        register(on, **change)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(Dispute.id))) == 0
    assert db.session.scalar(select(func.count(DisputeParty.id))) == 0


def test_a_party_from_the_register_must_live_in_the_town(on):
    with pytest.raises(DomainError) as refused:
        register(on, parties=[PartyInput(name="", side="a", resident_id=on.resident_b.id),
                              PartyInput(name="乙", side="b")])
    assert refused.value.field == "parties"


def test_a_clerk_picks_parties_only_from_the_register_they_may_see(on):
    from portal.people.models import Resident

    far = on.grid_a3  # in village A2: not the grid worker's grid
    resident = db.session.scalar(select(Resident).filter_by(grid_id=far.id))
    parties = [PartyInput(name="", side="a", resident_id=resident.id), PartyInput(name="乙", side="b")]
    with pytest.raises(DomainError) as refused:
        register(on, parties=parties)
    assert refused.value.field == "parties"
    # the town's admin sees the whole town: the same pick is theirs to make
    assert register(on, parties=parties, actor=on.users["town_admin"]).parties[0].resident_id == \
        resident.id


def test_a_registered_party_keeps_the_register_phone_there(on):
    dispute = register(on)
    resident_party, outsider = dispute.parties
    assert resident_party.resident_id == on.resident_a.id and resident_party.name == on.resident_a.name
    assert resident_party.phone is None  # shown masked from the register, not copied
    assert outsider.resident_id is None and outsider.name == "外村王五"


def test_only_a_base_grid_holds_a_dispute(on):
    with pytest.raises(DomainError) as refused:
        services.register(on.village_a1, kind="family", title="x", description="y",
                          found_on=local_today(), parties=two_sides(on))
    assert refused.value.field == "grid"


# ---------------------------------------------------------------- the ladder


def test_the_whole_ladder_up_to_an_agreement_and_its_visits(on):
    worker, village, town = (on.users[r] for r in ("grid_worker", "village_admin", "town_admin"))
    dispute = register(on, amount=20_000)
    assert dispute.state == "grid" and dispute.risk == "yellow"
    assert ladder.available(worker, dispute) == ["note", "to_village", "agree", "terminate"]

    services.take(dispute, "note", worker, note="到场劝解")
    assert dispute.state == "grid" and not dispute.escalated
    services.take(dispute, "to_village", worker, note="劝解不成")
    assert dispute.state == "village" and dispute.escalated
    # a grid worker stands below the village committees: nothing more for them now
    assert ladder.available(worker, dispute) == []
    with pytest.raises(DomainError):
        services.take(dispute, "report", worker, note="上报")
    services.take(dispute, "report", village, note="两委会商意见：……")
    assert dispute.state == "reported"
    assert "assign" not in ladder.available(village, dispute)
    with pytest.raises(DomainError) as refused:
        services.take(dispute, "assign", town, note="交办")
    assert refused.value.field == "responsible_unit"
    services.take(dispute, "assign", town, note="交办", responsible_unit="镇司法所",
                  helpers="镇国土所")
    assert (dispute.state, dispute.responsible_unit, dispute.helpers) == (
        "town", "镇司法所", "镇国土所")
    services.take(dispute, "joint", town, note="联合调处", helpers="司法所、国土所、村委会")
    assert dispute.state == "joint"
    assert dispute.due_on == WorkCalendar.around(local_today()).add_working_days(
        local_today(), RULES["days"]["joint"])

    with pytest.raises(DomainError) as refused:
        services.agree(dispute, town, terms="各让一步", mediator="王调解员",
                       signed_on=local_today(), signed_party_ids={dispute.parties[0].id})
    assert refused.value.field == "signed" and "外村王五" in str(refused.value)
    agreement = services.agree(dispute, town, terms="各让一步", mediator="王调解员",
                               signed_on=local_today(),
                               signed_party_ids={p.id for p in dispute.parties})
    assert dispute.state == "agreed" and dispute.due_on is None and agreement.level == "joint"
    assert [f.due_on for f in agreement.followups] == [
        local_today() + timedelta(days=d) for d in (30, 60, 90)]
    assert len(agreement.signatures) == 2

    # the visits: the grid worker visits; closing waits for every one of them
    for visit in agreement.followups[:2]:
        services.record_followup(visit, worker, kept=True, note="已履行")
    assert not ladder.may(town, dispute, "close")  # no button while a visit is to come
    with pytest.raises(DomainError, match="还有 1 次回访"):
        services.take(dispute, "close", town)
    services.record_followup(agreement.followups[2], worker, kept=True, note=None)
    # agreed at the town: the grid cannot close it, the town does
    assert not ladder.may(worker, dispute, "close")
    services.take(dispute, "close", town)
    assert (dispute.state, dispute.outcome, dispute.closed_on) == ("closed", "agreed",
                                                                   local_today())
    db.session.commit()
    assert [s.action for s in dispute.steps] == [
        "register", "note", "to_village", "report", "assign", "joint", "agree", "close"]
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("disputes.%"))))
    assert {"disputes.register", "disputes.to_village", "disputes.report", "disputes.assign",
            "disputes.joint", "disputes.agree", "disputes.followup", "disputes.close"} <= actions


def test_a_red_dispute_needs_a_leading_cadre_when_assigned(on):
    dispute = register(on, group_risk=True)
    with pytest.raises(DomainError) as refused:
        services.take(dispute, "assign", on.users["town_admin"], note="交办",
                      responsible_unit="镇综治办")
    assert refused.value.field == "leading_cadre"
    services.take(dispute, "assign", on.users["town_admin"], note="交办",
                  responsible_unit="镇综治办", leading_cadre="李副镇长")
    assert dispute.leading_cadre == "李副镇长"


def test_a_step_needs_a_note_of_what_was_done(on):
    dispute = register(on)
    with pytest.raises(DomainError) as refused:
        services.take(dispute, "to_village", on.users["grid_worker"], note="  ")
    assert refused.value.field == "note"


def test_a_step_taken_after_its_deadline_is_marked_late(on):
    dispute = register(on)
    dispute.due_on = local_today() - timedelta(days=1)
    assert services.is_late(dispute)
    step = services.take(dispute, "to_village", on.users["grid_worker"], note="拖了")
    assert step.late and not services.is_late(dispute)


def test_a_broken_agreement_reopens_the_dispute_where_it_was_agreed(on):
    worker, village = on.users["grid_worker"], on.users["village_admin"]
    dispute = register(on, found_on=local_today() - timedelta(days=40))
    services.take(dispute, "to_village", worker, note="劝解不成")
    agreement = services.agree(dispute, village, terms="赔偿500元", mediator="村调委会",
                               signed_on=local_today() - timedelta(days=31),
                               signed_party_ids={p.id for p in dispute.parties})
    first = agreement.followups[0]
    with pytest.raises(DomainError) as refused:
        services.record_followup(first, worker, kept=False, note="")
    assert refused.value.field == "note"
    services.record_followup(first, worker, kept=False, note="赔偿款没有给")
    db.session.commit()
    assert dispute.state == "village" and dispute.agreement is None
    assert agreement.broken_on == local_today() and agreement.broken_note == "赔偿款没有给"
    # its visits still to come are gone, the one done stays
    assert db.session.scalars(select(DisputeFollowup.id).filter_by(
        agreement_id=agreement.id)).all() == [first.id]
    assert dispute.steps[-1].action == "reopen"
    # a new agreement later, and the statistics count the dispute once
    services.agree(dispute, village, terms="当场付清", mediator="村调委会", signed_on=local_today(),
                   signed_party_ids={p.id for p in dispute.parties})
    assert dispute.agreement is not agreement and len(dispute.agreements) == 2


def test_mediation_that_fails_is_terminated_with_a_reason(on):
    dispute = register(on)
    with pytest.raises(DomainError):
        services.take(dispute, "terminate", on.users["grid_worker"], note="")
    services.take(dispute, "terminate", on.users["grid_worker"], note="引导申请劳动仲裁")
    assert (dispute.state, dispute.outcome) == ("closed", "terminated")
    assert ladder.available(on.users["town_admin"], dispute) == []


def test_a_mediator_mediates_but_cannot_assign_a_town_office(on):
    mediator = on.users["mediator"]
    dispute = register(on, actor=mediator)
    services.take(dispute, "to_village", mediator, note="提交两委会商")
    services.take(dispute, "report", mediator, note="书面上报")
    assert not ladder.may(mediator, dispute, "assign")


def test_another_town_cannot_touch_the_dispute(on):
    dispute = register(on)
    assert ladder.available(on.users["b_town_admin"], dispute) == []


# ---------------------------------------------------------------- cases


def test_a_dispute_becomes_a_case_of_the_dispute_category_without_the_parties(on):
    from portal.cases.open311_publication import NEVER_PUBLIC

    dispute = register(on)
    case = services.escalate_to_case(dispute, on.users["grid_worker"])
    assert case.category == "dispute" and "dispute" in NEVER_PUBLIC
    assert dispute.case_id == case.id
    assert "外村王五" not in case.title + case.description
    with pytest.raises(DomainError):
        services.escalate_to_case(dispute, on.users["grid_worker"])


def test_a_case_of_the_dispute_category_is_registered_once(on):
    from portal.cases.services import report

    worker = on.users["grid_worker"]
    case = report(on.grid_a1, category="dispute", title="邻里吵架", description="两家吵架",
                  source="patrol", reporter=worker)
    other = report(on.grid_a1, category="hazard", title="电线老化", description="电线",
                   source="patrol", reporter=worker)
    dispute = register(on, source_case=case)
    assert dispute.source_case_id == case.id
    with pytest.raises(DomainError):
        register(on, source_case=case)
    with pytest.raises(DomainError):
        register(on, source_case=other)
