"""GET /api/v1/reports/dashboard: the managers' figures as JSON, with the page's filters."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from ..services import dashboard as dashboard_service
from .auth import current_api_user, roles
from .schemas.reports import DashboardOut, DashboardQueryIn

blp = Blueprint("api_reports", __name__, description="Managers' dashboard and reports")


@blp.route("/reports/dashboard")
class Dashboard(MethodView):
    @roles("manager")
    @blp.arguments(DashboardQueryIn, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, DashboardOut)
    def get(self, details=False, **filters):
        """Goal, funnel, stock, territories, yield, lead times and waiting devices, scoped to
        the caller (a national manager sees everything, an operator's manager its own sites)."""
        return dashboard_service.dashboard(current_api_user(),
                                           dashboard_service.Filters(**filters), details=details)
