"""Editing accounts: a manager edits its own organisation's people; admin accounts are out of a
manager's reach, no one changes their own role, an admin's e-mail is changed by that admin only,
and the last active admin stays one."""

import pytest

from collecte.domain.models import User
from collecte.errors import Conflict, Invalid, NotFound
from collecte.services import users
from collecte.services.users import UserChanges


def _changes(user: User, **fields) -> UserChanges:
    values = dict(name=user.name, email=user.email, role=user.role, is_active=user.is_active)
    values.update(fields)
    return UserChanges(**values)


def _form(user: User, **fields) -> dict:
    values = {"name": user.name, "email": user.email, "role": user.role, "is_active": "y"}
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def _reloaded(db, user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_manager_edits_the_accounts_of_its_own_organisation(client, login_as, world, db):
    login_as(world.manager)
    response = client.post(f"/admin/users/{world.tech.id}",
                           data=_form(world.tech, name="Camille", role="manager"))
    assert response.status_code == 303
    tech = _reloaded(db, world.tech)
    assert (tech.name, tech.role) == ("Camille", "manager")
    listing = client.get("/admin/users").get_data(as_text=True)
    assert world.tech.email in listing and world.other_tech.email not in listing


def test_a_manager_neither_sees_nor_changes_an_admin_account(client, login_as, world, db):
    # The national manager belongs to the same organisation as the admin.
    login_as(world.national_manager)
    assert world.admin.email not in client.get("/admin/users").get_data(as_text=True)
    assert client.get(f"/admin/users/{world.admin.id}").status_code == 404
    response = client.post(f"/admin/users/{world.admin.id}",
                           data=_form(world.admin, role="manager", email="me@evil.example"))
    assert response.status_code == 404
    assert world.admin.email not in response.get_data(as_text=True)
    admin = _reloaded(db, world.admin)
    assert (admin.role, admin.email, admin.is_active) == ("admin", world.admin.email, True)


def test_a_manager_cannot_grant_the_admin_role(client, login_as, world, make, db):
    colleague = make.user("manager", world.coordinator)
    login_as(world.national_manager)
    response = client.post(f"/admin/users/{colleague.id}", data=_form(colleague, role="admin"))
    assert response.status_code == 422
    assert _reloaded(db, colleague).role == "manager"
    with pytest.raises(Invalid) as refused:
        users.update_user(world.national_manager, colleague.id, _changes(colleague, role="admin"))
    assert "role" in refused.value.errors


def test_no_one_changes_their_own_role_or_deactivates_themselves(client, login_as, world, db):
    login_as(world.manager)
    response = client.post(f"/admin/users/{world.manager.id}",
                           data=_form(world.manager, role="technician"))
    assert response.status_code == 422
    assert "propre rôle" in response.get_data(as_text=True)
    assert _reloaded(db, world.manager).role == "manager"
    for changes in (_changes(world.admin, role="manager"), _changes(world.admin, is_active=False)):
        with pytest.raises(Invalid):
            users.update_user(world.admin, world.admin.id, changes)
    assert _reloaded(db, world.admin).role == "admin"


def test_an_admins_email_is_changed_by_that_admin_only(world, make, db):
    second = make.user("admin", world.coordinator)
    with pytest.raises(Invalid) as refused:
        users.update_user(world.admin, second.id, _changes(second, email="new@evil.example"))
    assert "email" in refused.value.errors
    assert _reloaded(db, second).email == second.email
    users.update_user(second, second.id, _changes(second, email="second.admin@example.org"))
    assert _reloaded(db, second).email == "second.admin@example.org"


def test_an_admin_demotes_another_admin_but_never_the_last_one(world, make, db):
    second = make.user("admin", world.coordinator)
    users.update_user(world.admin, second.id, _changes(second, role="manager"))
    assert _reloaded(db, second).role == "manager"
    # The demoted one is now a manager: the remaining admin is out of its reach.
    with pytest.raises(NotFound):
        users.update_user(second, world.admin.id, _changes(world.admin, role="manager"))
    # An admin account that is no longer active (a stale session, a script) cannot remove the
    # last active admin either.
    ghost = make.user("admin", world.coordinator, is_active=False)
    for changes in (_changes(world.admin, role="manager"),
                    _changes(world.admin, is_active=False)):
        with pytest.raises(Conflict):
            users.update_user(ghost, world.admin.id, changes)
    admin = _reloaded(db, world.admin)
    assert (admin.role, admin.is_active) == ("admin", True)


def test_a_role_must_exist_in_the_account_s_organisation(world):
    with pytest.raises(Invalid) as refused:
        users.update_user(world.admin, world.donor.id, _changes(world.donor, role="technician"))
    assert "role" in refused.value.errors


def test_other_roles_have_no_account_pages(client, login_as, world):
    for person in (world.tech, world.donor, world.social):
        client.post("/logout")
        login_as(person)
        assert client.get("/admin/users").status_code == 404
        assert client.get(f"/admin/users/{world.manager.id}").status_code == 404
