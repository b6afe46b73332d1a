"""Never silent unlimited spending: when a provider that charges per request is switched on in the
settings window and no budget is set, the window fills in a budget per job (`SUGGESTED_BUDGET_USD`)
on the General page and says so, in a sentence that tells how to clear it.

The suggestion is made once. A user who clears it (ticks "No cap") and saves has the empty budget
saved explicitly, so the window knows next time that no cap is wanted and suggests nothing.

Thread safety: Qt widgets, main thread only.
"""

from __future__ import annotations

from typing import Any

from aqt.qt import QLabel

from ...core.config.form_fields import MISSING
from .provider_page import ProviderPage
from .schema_field import SchemaField

SUGGESTED_BUDGET_USD = 5.0
BUDGET_KEY = "budget_usd"
NOTICE_NAME = "settings_budget_notice"


class BudgetAdvisor:
    """``field`` is the General page's budget field, ``notice`` the label the sentence goes in;
    ``declined``: the saved settings say no cap on purpose (an explicit empty budget)."""

    def __init__(self, field: SchemaField, notice: QLabel, *, declined: bool) -> None:
        self.field = field
        self.notice = notice
        self.notice.setObjectName(NOTICE_NAME)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self._declined = declined
        self.suggested = False

    def provider_changed(self, page: ProviderPage) -> None:
        """After a change on ``page``: suggest a budget when its provider is now on, charges per
        request, and no budget is set (once, and never when no cap was chosen on purpose)."""
        price, per = page.price_per_request(), "each request"
        if price <= 0:
            price, per = page.price_per_minute(), "each minute of sound"
        if self._declined or self.suggested or page.setup_status() == "off" or price <= 0:
            return
        if self._budget() is not None:
            return
        self.suggested = True
        self.field.set_value(SUGGESTED_BUDGET_USD)
        self.notice.setText(
            f"{page.info.title} charges for {per} ({price:g} US dollars) and no budget "
            f"was set, so a budget of ${SUGGESTED_BUDGET_USD:.2f} per job is filled in on the General page "
            "(Budget per job): a job stops before it would spend more. Change it there, or tick No cap "
            "for no limit, then Save."
        )
        self.notice.show()

    def keep_no_cap(self, overrides: dict[str, Any], config: dict[str, Any]) -> None:
        """Save an empty budget explicitly when no cap is chosen on purpose: after clearing the
        suggestion, or when the saved settings already said so."""
        if config.get(BUDGET_KEY) is None and (self.suggested or self._declined):
            overrides[BUDGET_KEY] = None

    def _budget(self) -> Any:
        try:
            value = self.field.read()
        except ValueError:
            return "unreadable"  # something is typed: not "no budget"
        return None if value is MISSING else value
