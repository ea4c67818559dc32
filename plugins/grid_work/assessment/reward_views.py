"""The month's five-small rewards of a town, per worker, for payment: the major ones' amounts
decided within the town's range, and the payment list as .xlsx."""
from datetime import date, timedelta

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on

from .labels import MODULE
from portal.timeutil import local_today
from portal.web import commit, submit_form


from .. import town_settings
from . import export, rewards
from .forms import AmountForm
from .models import GridWorkReward
from .scheme_views import the_town


def month_arg() -> date:
    text = request.args.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return local_today().replace(day=1)


def rewards_page(town, towns, month, refused: tuple | None = None):
    found = rewards.month_rewards(in_subtree_where_on(MODULE, town), month)
    per_worker: dict[int, list[GridWorkReward]] = {}
    for reward in found:
        per_worker.setdefault(reward.worker_id, []).append(reward)
    forms = {r.id: AmountForm(prefix=f"m{r.id}", formdata=None, amount=r.amount or None)
             for r in found if r.major}
    if refused:
        forms[refused[0]] = refused[1]
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render("grid_work/assessment/rewards.html", town=town, towns=towns, month=month,
                  per_worker=per_worker, cases=rewards.cases_of(found), forms=forms,
                  refused=refused[0] if refused else None, rules=town_settings.rules(town),
                  total=sum(r.amount for r in found), previous=previous, following=following)


@requires("grid_work.assess")
def rewards_list():
    town, towns = the_town()
    return rewards_page(town, towns, month_arg())


@requires("grid_work.assess")
def reward_amount(reward_id):
    from portal.tenancy import load_scoped

    reward = load_scoped(GridWorkReward, reward_id)
    town, towns = the_town_of(reward)
    then = url_for("grid_work_assessment.rewards_list", town=town.code,
                   month=f"{reward.month:%Y-%m}")
    if not reward.major:  # the page offers no amount to decide for it
        flash(_("只有重大问题的奖励需要审定金额。"), "error")
        return redirect(then, 303)
    form = AmountForm(prefix=f"m{reward.id}")
    return submit_form(
        form, lambda: rewards.decide_amount(reward, form.amount.data, actor=current_user),
        done=_("已审定奖励金额。"), then=then,
        page=lambda: rewards_page(town, towns, reward.month, refused=(reward.id, form)))


def the_town_of(reward):
    from portal.tenancy import town_of

    return town_of(reward.grid), []


@requires("grid_work.assess")
def rewards_export():
    town, _towns = the_town()
    month = month_arg()
    found = rewards.month_rewards(in_subtree_where_on(MODULE, town), month)
    response = export.rewards_sheet(town.name, month, found, rewards.cases_of(found), town,
                                    actor=current_user)
    commit()  # the download's audit entry
    return response
