"""The main menu per role. Entries whose page is not installed are left out."""

from __future__ import annotations

from flask import current_app

from ..domain.stages import N_

# (endpoint, label, roles that see it); admins see every entry.
NAV = [
    ("main.home", N_("Accueil"), {"donor", "technician", "social_worker", "manager"}),
    ("donor.index", N_("Mes dons"), {"donor"}),
    ("donor.manage", N_("Promesses de don"), {"manager"}),
    ("workshop.index", N_("Atelier"), {"technician", "manager"}),
    ("workshop.scan_station", N_("Poste de scan"), {"technician", "manager"}),
    ("labels.receive_list", N_("Réception et étiquettes"), {"technician", "manager"}),
    ("social.index", N_("Demandes"), {"social_worker"}),
    ("allocation.index", N_("File d'attente"), {"manager", "technician"}),
    ("allocation.handover", N_("Remise"), {"technician", "manager"}),
    ("manager.index", N_("Tableau de bord"), {"manager"}),
    ("devices.index", N_("Appareils"), {"donor", "technician", "manager"}),
    ("allocation.rules", N_("Règles d'attribution"),
     {"donor", "technician", "social_worker", "manager"}),
    ("admin.users", N_("Comptes des utilisateurs"), {"manager"}),
    ("admin.index", N_("Administration"), set()),
]


def nav_links(user) -> list[tuple[str, str]]:
    from flask_babel import gettext

    functions = current_app.view_functions
    return [(endpoint, gettext(label)) for endpoint, label, roles in NAV
            if endpoint in functions and (user.role in roles or user.role == "admin")]
