"""``jsika remind [--at "2026-12-01 07:00"] [--dry-run]``: plan (and deliver) reminders once, for a given moment.

For operators: to see what tomorrow morning will send (``--dry-run`` plans inside a transaction that is rolled
back), or to catch up after an outage. Delivery uses the same outbox worker as the running bot, so it honours the
rate limits, quiet hours and the rows other processes are sending; the clock starts at ``--at`` and runs on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer

from bot.cli.common import console, fail, run_with_db, settings, tr

if TYPE_CHECKING:
    from bot.config import Settings
    from models.db import Database
    from scheduler.outbox import DeliveryReport
    from scheduler.planner import PlanReport


def parse_moment(text: str | None, config: Settings) -> datetime:
    """``"2026-12-01 07:00"`` in the configured time zone (``JSIKA_TIMEZONE``) → an aware UTC instant."""
    if not text:
        return datetime.now(UTC)
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise fail(
            f'Waktu "{text}" tidak dikenali. Tulis seperti "2026-12-01 07:00" (waktu {config.timezone}).'
        ) from None
    return local.replace(tzinfo=config.tz).astimezone(UTC)


async def _due_by_kind(db: Database, moment: datetime, session: Any = None) -> dict[str, int]:
    from models.outbox import due_by_kind

    if session is not None:
        return await due_by_kind(session, moment)
    async with db.session() as own:
        return await due_by_kind(own, moment)


def kind_label(kind: str, lang: str) -> str:
    """``event_birth`` → "perkiraan persalinan": the name the chat uses for that reminder, not the identifier."""
    from handlers.i18n import translator
    from handlers.render.reminder_texts import KIND_NAMES

    return translator(lang)(KIND_NAMES[kind]) if kind in KIND_NAMES else kind


def _print(planned: PlanReport, due: dict[str, int], delivered: DeliveryReport | None) -> None:
    """The counts by kind, with the chat's names for the kinds and numbers written the Indonesian way."""
    from rich.table import Table

    from handlers.i18n.format import long_date, number

    lang = settings().language
    kinds = sorted(set(planned.counts) | set(due) | set(delivered.by_kind if delivered else {}))
    title = tr("Pengingat untuk {day}").format(day=long_date(planned.day, lang))
    table = Table(title=title + ("" if planned.working_day else tr(" (hari libur)")))
    table.add_column(tr("jenis"))
    table.add_column(tr("baru direncanakan"), justify="right")
    table.add_column(tr("jatuh tempo"), justify="right")
    if delivered is not None:
        table.add_column(tr("terkirim"), justify="right")
    for kind in kinds:
        counts = [planned.counts.get(kind, 0), due.get(kind, 0)]
        if delivered is not None:
            counts.append(delivered.by_kind.get(kind, 0))
        table.add_row(kind_label(kind, lang), *(number(count, lang) for count in counts))
    console.print(table)
    if delivered is not None:
        console.print(
            tr(
                "Terkirim {sent}, dicoba lagi {retried}, dibatasi Telegram (429) {limited}, gagal {failed}, "
                "batal {cancelled}, diragukan {doubt} — {seconds} detik"
            ).format(
                sent=number(delivered.sent, lang),
                retried=number(delivered.retried, lang),
                limited=number(delivered.rate_limited, lang),
                failed=number(delivered.failed, lang),
                cancelled=number(delivered.cancelled, lang),
                doubt=number(len(delivered.in_doubt), lang),
                seconds=number(round(delivered.seconds, 1), lang),
            )
        )


def remind(
    at: str | None = typer.Option(None, "--at", help='Waktu lokal, mis. "2026-12-01 07:00" (bawaan: sekarang)'),
    dry_run: bool = typer.Option(False, "--dry-run", help="Hanya tampilkan; tidak ada yang disimpan atau dikirim"),
    in_flight: int = typer.Option(16, "--in-flight", min=1, max=64, help="Pesan yang dikirim bersamaan"),
) -> None:
    """Rencanakan pengingat untuk satu waktu dan kirim yang sudah jatuh tempo (kecuali --dry-run)."""
    from scheduler.outbox import Deliverer, DeliveryConfig, running_clock
    from scheduler.planner import PlannerConfig, plan

    config = settings()
    moment = parse_moment(at, config)
    calendar = config.work_calendar()
    planner_config = PlannerConfig(
        digest_hour=config.digest_hour, signoff_admin_working_days=config.signoff_admin_working_days
    )
    token = config.telegram_bot_token.get_secret_value() if config.telegram_bot_token else None
    if not dry_run and not token:
        raise fail(
            "TELEGRAM_BOT_TOKEN belum diatur, jadi tidak ada yang bisa dikirim. Pakai --dry-run untuk melihat saja."
        )

    async def work(db: Database) -> tuple[PlanReport, dict[str, int], DeliveryReport | None]:
        if dry_run:
            async with db.sessions() as session:
                transaction = await session.begin()
                try:
                    planned = await plan(session, moment, calendar, planner_config)
                    return planned, await _due_by_kind(db, moment, session), None
                finally:
                    await transaction.rollback()
        async with db.session() as session:
            planned = await plan(session, moment, calendar, planner_config)
        due = await _due_by_kind(db, moment)
        from telegram import Bot

        from bot.transport import bot_api_request
        from handlers.reminder_composer import compose

        assert token is not None
        bot = Bot(token, base_url=config.telegram_base_url, request=bot_api_request())
        delivery = DeliveryConfig(
            global_rate=config.send_rate_global, chat_rate=config.send_rate_per_chat, max_in_flight=in_flight
        )
        async with bot:
            deliverer = Deliverer(db, bot, calendar, clock=running_clock(moment), composer=compose, config=delivery)
            try:
                delivered = await deliverer.deliver_due()
            finally:
                await deliverer.close()
        return planned, due, delivered

    _print(*run_with_db(work))


def register(app: typer.Typer) -> None:
    app.command("remind")(remind)
