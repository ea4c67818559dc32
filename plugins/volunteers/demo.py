"""Demo records for one town: four teams in each village, a dozen volunteers from the register,
past activities with confirmed hours, coming ones with sign-ups, pairings (one overdue) and proxy
services in every state. The demo's `resident` login volunteers and leads the first village's
party-member team. Idempotent: a town with teams already is left as it is."""
import random
from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import GRID, VILLAGE, Grid
from portal.people.models import Household, Resident
from portal.timeutil import local_today, utcnow

from . import services
from .models import VolunteersPairing, VolunteersPairVisit, VolunteersTeam

TEAMS = [("党员志愿服务队", "party"), ("巾帼志愿服务队", "women"), ("治安巡逻队", "patrol"),
         ("绿化保洁队", "greening")]
ACTIVITIES = ["清扫村道", "义务巡逻", "敬老院陪伴", "河道垃圾清理", "反诈宣传"]


def load(town: Grid) -> None:
    villages = db.session.scalars(select(Grid).where(Grid.parent_id == town.id,
                                                     Grid.level == VILLAGE).order_by(Grid.code)).all()
    if not villages or db.session.scalar(select(VolunteersTeam.id).where(
            VolunteersTeam.grid_id.in_([v.id for v in villages])).limit(1)):
        return
    rng = random.Random(town.code + "volunteers")
    now = utcnow()
    demo_user = db.session.scalar(select(User).filter_by(username="resident"))
    for village in villages:
        teams = []
        for name, kind in TEAMS:
            team = VolunteersTeam(grid_id=village.id, name=name, kind=kind)
            db.session.add(team)
            teams.append(team)
        db.session.flush()
        residents = db.session.scalars(
            select(Resident).join(Grid, Grid.id == Resident.grid_id)
            .where(Grid.parent_id == village.id, Grid.level == GRID, Resident.left_at.is_(None))
            .order_by(Resident.id).limit(12)).all()
        volunteers = []
        for resident in residents:
            volunteer = services.register(grid=resident.grid, resident=resident)
            if demo_user is not None and demo_user.id_number == resident.id_number:
                volunteer.user_id = demo_user.id
            volunteers.append(volunteer)
        for volunteer in volunteers:
            for team in rng.sample(teams, 2):
                services.add_member(team, volunteer, leader=False)
        for team in teams:
            members = [m for m in team.members]
            if members:
                leader = next((m for m in members if m.volunteer.user_id), members[0])
                leader.leader = True
        db.session.flush()
        for day, title in zip((-40, -25, -10, 3, 9), ACTIVITIES):
            team = teams[day % len(teams)]
            start = (now + timedelta(days=day)).replace(hour=0, minute=30, second=0, microsecond=0)
            activity = services.create_activity(team, title=f"{village.name}{title}",
                                                place=f"{village.name}党群服务中心",
                                                starts_at=start, ends_at=start + timedelta(hours=3),
                                                capacity=8, points=2)
            members = [m.volunteer for m in team.members]
            for volunteer in members[:6]:
                signup = services.sign_up(activity, volunteer, now=start - timedelta(days=2))
                if day < 0:
                    services.check_in(signup, start + timedelta(minutes=rng.randint(0, 20)))
                    services.check_out(signup, start + timedelta(minutes=rng.randint(150, 200)))
                    services.confirm(signup)
        households = db.session.scalars(
            select(Household).join(Grid, Grid.id == Household.grid_id)
            .where(Grid.parent_id == village.id).order_by(Household.id).limit(3)).all()
        for k, household in enumerate(households[:2]):
            pairing = VolunteersPairing(volunteer_id=volunteers[k].id, household_id=household.id,
                                        need=("left_behind_elder", "poor")[k], visit_days=30,
                                        started_on=local_today() - timedelta(days=90))
            db.session.add(pairing)
            db.session.flush()
            db.session.add(VolunteersPairVisit(pairing_id=pairing.id, found="身体尚好，缺少过冬棉被",
                                               visited_on=local_today() - timedelta(days=(45, 10)[k])))
        for k, (errand, to) in enumerate((("certificate", "done"), ("insurance", "accepted"),
                                          ("pension", "requested"), ("medical", "done"))):
            if k >= len(residents):
                break
            proxy = services.request_proxy(residents[-1 - k], errand, "行动不便，请志愿者代办")
            if to in ("accepted", "done"):
                services.move_proxy(proxy, "accepted", volunteer=volunteers[k % len(volunteers)])
            if to == "done":
                services.move_proxy(proxy, "done", result="已办好并送到家", satisfaction=5 - k % 2)
    db.session.flush()
