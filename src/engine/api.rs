//! The protocol the extension's pages and background speak with the core (`docs/messages.md`):
//! messages in, replies and effects out, as plain JSON values. Pure: the browser boundary only
//! converts values and starts the runs this module asks for.

use super::connection::{admin_patterns, permission_pattern, Connection, FieldError};
use super::panel::all_permissions;
use super::report::{self, Outcome, Part, Report, RunKind, RunSummary};
use super::run::{RunError, RunRequest};
use super::settings_file;
use super::store::{load, save};
use super::{Engine, SaveError};
use crate::csv_export::{export_products, CsvOptions};
use crate::io::{Clock, Http, Storage};
use crate::plan::orders::shop_host;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const AUTO_ALARM: &str = "auto-sync";
const LAST_AUTO_KEY: &str = "auto:last_run_ms";
/// An admin page opened more often than this does not start another run.
const ADMIN_PAGE_MIN_GAP_MS: u64 = 60_000;

/// Who sent a message, as the background saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sender {
    pub kind: SenderKind,
    pub url: String,
    pub tab_id: Option<i64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    ExtensionPage,
    ContentScript,
    #[default]
    Other,
}

// Read by the generic readers of `json` instead of a derived reader each in the wasm; tested
// against the derive.
crate::read_over_default!(Sender { kind, url, tab_id = "tabId" });
crate::read_unit_enum!(SenderKind { ExtensionPage = "extension_page", ContentScript = "content_script", Other = "other" });

/// Sent as `{"type": "saveConnection", "connection": …}` (field names in camelCase; those marked
/// "default" may be left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    GetStatus,
    GetConnection,
    RevealKeys,
    SaveConnection {
        connection: Connection,
    },
    GetSettings,
    SaveSettings {
        settings: Value,
    },
    /// `connection`: default.
    TestConnection {
        connection: Option<Connection>,
    },
    /// `dryRun`, `confirmZeroing`: default.
    Run {
        kind: RunKind,
        dry_run: bool,
        confirm_zeroing: bool,
    },
    Cancel,
    /// `runId`: default.
    GetReport {
        run_id: Option<String>,
    },
    GetHistory,
    ExportCsv,
    SetAutoSync {
        enabled: bool,
    },
    SyncNow,
    OrderBadges {
        order_ids: Vec<u64>,
    },
    OpenReport,
    /// From the admin-panel script: open the PDF of the order's sales document in an extension
    /// page (`document.html`).
    OpenDocument {
        order_id: u64,
    },
    /// From that page: the PDF itself.
    DocumentPdf {
        order_id: u64,
    },
    /// `systimNumber`: default.
    ResolveOrder {
        order_id: u64,
        decision: super::resolve::Decision,
        systim_number: String,
    },
    /// The merchant's decision on a sales document held as `invoice_unverifiable`.
    ResolveDocument {
        order_id: u64,
        decision: super::resolve::Decision,
        systim_number: String,
    },
    /// The shop's other addresses, the proposals and the unrecognised pages; `add` (an address)
    /// or `forget` (an added address, or a proposal turned down) first. Both: default.
    AdminPanel {
        add: String,
        forget: String,
    },
    /// From the admin-panel script on a login page of the shop (`/admin/auth/login`).
    ReportShopAddresses {
        domains: Vec<String>,
    },
    /// From the admin-panel script: a page of the panel it did not recognise.
    ReportPage {
        pattern: String,
        problem: String,
    },
    /// `withKeys`: default.
    ExportSettings {
        with_keys: bool,
    },
    ImportSettings {
        content: String,
    },
    /// Named lists for the settings' pick lists (`choices`). `refresh`, `query`, `ids`: default.
    ListChoices {
        kinds: Vec<String>,
        refresh: bool,
        query: String,
        ids: Vec<u64>,
    },
    /// Proposed pairs by name for a mapping (`choices`).
    SuggestMappings {
        mapping: String,
    },
}

/// Read as `#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]`
/// reads it (fields other than the variant's are ignored), field by field: serde's derive would
/// buffer the object through its `Content` deserialiser and give each variant a reader of its
/// own, a large share of the wasm.
impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let (kind, mut f) = crate::json::internal::<D>(d, "type")?;
        let mut read = || -> Result<Message, crate::json::Error> {
            Ok(match kind.as_str() {
                "getStatus" => Message::GetStatus,
                "getConnection" => Message::GetConnection,
                "revealKeys" => Message::RevealKeys,
                "saveConnection" => Message::SaveConnection { connection: f.take("connection")? },
                "getSettings" => Message::GetSettings,
                "saveSettings" => Message::SaveSettings { settings: f.take("settings")? },
                "testConnection" => Message::TestConnection { connection: f.take_or_default("connection")? },
                "run" => Message::Run { kind: f.take("kind")?, dry_run: f.take_or_default("dryRun")?, confirm_zeroing: f.take_or_default("confirmZeroing")? },
                "cancel" => Message::Cancel,
                "getReport" => Message::GetReport { run_id: f.take_or_default("runId")? },
                "getHistory" => Message::GetHistory,
                "exportCsv" => Message::ExportCsv,
                "setAutoSync" => Message::SetAutoSync { enabled: f.take("enabled")? },
                "syncNow" => Message::SyncNow,
                "orderBadges" => Message::OrderBadges { order_ids: f.take("orderIds")? },
                "openReport" => Message::OpenReport,
                "openDocument" => Message::OpenDocument { order_id: f.take("orderId")? },
                "documentPdf" => Message::DocumentPdf { order_id: f.take("orderId")? },
                "resolveOrder" => {
                    Message::ResolveOrder { order_id: f.take("orderId")?, decision: f.take("decision")?, systim_number: f.take_or_default("systimNumber")? }
                }
                "resolveDocument" => {
                    Message::ResolveDocument { order_id: f.take("orderId")?, decision: f.take("decision")?, systim_number: f.take_or_default("systimNumber")? }
                }
                "adminPanel" => Message::AdminPanel { add: f.take_or_default("add")?, forget: f.take_or_default("forget")? },
                "reportShopAddresses" => Message::ReportShopAddresses { domains: f.take("domains")? },
                "reportPage" => Message::ReportPage { pattern: f.take("pattern")?, problem: f.take("problem")? },
                "exportSettings" => Message::ExportSettings { with_keys: f.take_or_default("withKeys")? },
                "importSettings" => Message::ImportSettings { content: f.take("content")? },
                "listChoices" => Message::ListChoices {
                    kinds: f.take("kinds")?,
                    refresh: f.take_or_default("refresh")?,
                    query: f.take_or_default("query")?,
                    ids: f.take_or_default("ids")?,
                },
                "suggestMappings" => Message::SuggestMappings { mapping: f.take("mapping")? },
                other => return Err(crate::json::Error::unknown_variant(other, KNOWN_TYPES)),
            })
        };
        read().map_err(D::Error::custom)
    }
}

const KNOWN_TYPES: &[&str] = &[
    "getStatus",
    "getConnection",
    "revealKeys",
    "saveConnection",
    "getSettings",
    "saveSettings",
    "testConnection",
    "run",
    "cancel",
    "getReport",
    "getHistory",
    "exportCsv",
    "setAutoSync",
    "syncNow",
    "orderBadges",
    "openReport",
    "openDocument",
    "documentPdf",
    "resolveOrder",
    "resolveDocument",
    "adminPanel",
    "reportShopAddresses",
    "reportPage",
    "exportSettings",
    "importSettings",
    "listChoices",
    "suggestMappings",
];

impl Message {
    /// What the admin-panel script may ask on a page at `path` of the shop's panel: on the
    /// panel's own pages badges, a sync, the report and a note of a page it did not recognise; on
    /// the login page only to pass on the addresses it names; on the other sign-in pages
    /// (`/admin/auth/…`: two-factor, password reminder) nothing.
    fn allowed_from_content_script(&self, path: &str) -> bool {
        if path == "/admin/auth" || path.starts_with("/admin/auth/") {
            return matches!(self, Message::ReportShopAddresses { .. }) && path.trim_end_matches('/') == "/admin/auth/login";
        }
        matches!(self, Message::SyncNow | Message::OrderBadges { .. } | Message::OpenReport | Message::OpenDocument { .. } | Message::ReportPage { .. })
    }
}

/// What the background must do in the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Effect {
    Alarm {
        name: String,
        period_minutes: u32,
    },
    ClearAlarm {
        name: String,
    },
    Badge {
        text: String,
        color: String,
    },
    Notify {
        id: String,
        title: String,
        message: String,
    },
    /// The admin-panel script for the configured shop (`origin`: its main address), on exactly
    /// these match patterns: `/admin` and `/admin/*` ([`admin_patterns`]) of each of its
    /// addresses, the main one first.
    RegisterContentScript {
        origin: String,
        matches: Vec<String>,
    },
    UnregisterContentScript,
    OpenOptions {
        section: String,
    },
    /// The extension page showing the PDF of an order's sales document (`document.html?order=<id>`).
    OpenDocument {
        order_id: u64,
    },
    /// Host access the merchant granted for addresses the connection no longer uses is given
    /// back: every granted host permission but these match patterns (and those of the manifest).
    KeepHostAccess {
        origins: Vec<String>,
    },
}

/// A handled message: the reply, effects, and possibly a run the boundary must start (in the
/// background, so the reply goes back at once).
#[derive(Debug)]
pub struct Handled {
    pub reply: Value,
    pub effects: Vec<Effect>,
    pub start: Option<(String, RunRequest)>,
}

impl Handled {
    fn reply(reply: Value) -> Self {
        Handled { reply, effects: Vec::new(), start: None }
    }
}

pub(super) fn ok(mut data: Value) -> Value {
    if let Value::Object(m) = &mut data {
        m.insert("ok".into(), Value::Bool(true));
        data
    } else {
        json!({"ok": true})
    }
}

pub fn error(code: &str, pl: &str, en: &str) -> Value {
    json!({"ok": false, "error": {"code": code, "message_pl": pl, "message_en": en}})
}

/// [`error`] with the texts of `key` in `_locales` ([`crate::texts`]).
fn error_of(code: &str, key: &str, args: &[&str]) -> Value {
    let (pl, en) = crate::texts::both_fill(key, args);
    error(code, &pl, &en)
}

fn invalid_fields(fields: impl Serialize) -> Value {
    json!({"ok": false, "error": {
        "code": "invalid_fields",
        "message_pl": crate::texts::t(crate::plan::Lang::Pl, "core_msg_invalid_fields"),
        "message_en": crate::texts::t(crate::plan::Lang::En, "core_msg_invalid_fields"),
        "fields": fields,
    }})
}

fn save_error(e: SaveError) -> Value {
    match e {
        SaveError::Invalid(fields) => invalid_fields(fields),
        SaveError::State(e) => {
            let code = if matches!(e, super::store::StateError::Store(crate::io::StoreError::Quota(_))) { "storage_quota" } else { "storage_error" };
            error(code, &e.to_string(), crate::texts::t(crate::plan::Lang::En, "core_msg_storage_refused"))
        }
    }
}

/// Fields of sent settings that have the wrong type or an unknown value, for the form.
fn refused_setting_fields(fields: &[String]) -> Value {
    let items: Vec<Value> = fields
        .iter()
        .map(|f| {
            json!({
                "field": f,
                "message_pl": crate::texts::t(crate::plan::Lang::Pl, "core_msg_setting_invalid"),
                "message_en": crate::texts::t(crate::plan::Lang::En, "core_msg_setting_invalid"),
            })
        })
        .collect();
    invalid_fields(items)
}

fn busy() -> Value {
    error_of("busy", "core_msg_busy", &[])
}

/// The latest run that included a part.
fn last_with(history: &[RunSummary], part: Part) -> Option<&RunSummary> {
    history.iter().find(|r| r.kind.parts().contains(&part))
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// Decode, authorise and handle one message.
    pub async fn handle_message(&self, raw: &Value, sender: &Sender) -> Handled {
        let Some(kind) = raw.get("type").and_then(Value::as_str) else {
            return Handled::reply(error_of("bad_message", "core_msg_bad_message", &[]));
        };
        if !KNOWN_TYPES.contains(&kind) {
            return Handled::reply(error_of("unknown_message", "core_msg_unknown_message", &[]));
        }
        let message: Message = match crate::json::from_value(raw.clone()) {
            Ok(m) => m,
            // (the English text, for logs and support, names what the reader refused)
            Err(e) => {
                let key = "core_msg_bad_message_field";
                return Handled::reply(error(
                    "bad_message",
                    crate::texts::t(crate::plan::Lang::Pl, key),
                    &format!("{}: {e}", crate::texts::t(crate::plan::Lang::En, key)),
                ));
            }
        };
        if !self.sender_may(&message, sender).await {
            return Handled::reply(error_of("forbidden", "core_msg_forbidden", &[]));
        }
        self.dispatch(message, &sender.url).await
    }

    async fn sender_may(&self, message: &Message, sender: &Sender) -> bool {
        match sender.kind {
            SenderKind::ExtensionPage => true,
            SenderKind::Other => false,
            SenderKind::ContentScript => {
                let conn = self.connection().await;
                conn.panel_path(self.host_rules(), &sender.url).is_some_and(|path| message.allowed_from_content_script(path))
            }
        }
    }

    /// `from`: the sender's URL (a content script's page).
    async fn dispatch(&self, message: Message, from: &str) -> Handled {
        match message {
            Message::GetStatus => Handled::reply(ok(self.status().await)),
            Message::GetConnection => Handled::reply(ok(json!({"connection": self.connection().await.view(false)}))),
            Message::RevealKeys => Handled::reply(ok(json!({"connection": self.connection().await.view(true)}))),
            Message::SaveConnection { connection } => match self.save_connection(connection).await {
                Ok(saved) => {
                    let patterns = saved.host_permissions(self.host_rules());
                    let mut h = Handled::reply(ok(json!({"connection": saved.view(false), "hostPermissions": patterns})));
                    h.effects = self.standing_effects().await;
                    h.effects.push(Effect::KeepHostAccess { origins: all_permissions(&saved, self.host_rules()) });
                    h
                }
                Err(e) => Handled::reply(save_error(e)),
            },
            Message::GetSettings => {
                let (settings, reset) = self.settings_with_notes().await;
                Handled::reply(ok(json!({"settings": settings, "resetFields": reset})))
            }
            Message::SaveSettings { settings } => self.save_settings_message(settings).await,
            Message::ExportSettings { with_keys } => Handled::reply(self.export_settings(with_keys).await),
            Message::ImportSettings { content } => self.import_settings(&content).await,
            // boxed: their state lives outside this future's
            m @ (Message::ListChoices { .. } | Message::SuggestMappings { .. }) => Handled::reply(Box::pin(self.choices_message(m)).await),
            Message::TestConnection { connection } => Handled::reply(ok(json!({"checks": self.test_connection(connection).await}))),
            Message::Run { kind, dry_run, confirm_zeroing } => self.start(RunRequest { kind, dry_run, confirm_zeroing }).await,
            Message::SyncNow => self.start(RunRequest { kind: RunKind::Auto, dry_run: false, confirm_zeroing: false }).await,
            Message::Cancel => Handled::reply(ok(json!({"cancelled": self.cancel()}))),
            Message::GetReport { run_id } => Handled::reply(ok(json!({"report": report::find_json(&self.store, run_id.as_deref()).await}))),
            Message::GetHistory => Handled::reply(ok(json!({"runs": report::history(&self.store).await}))),
            Message::ExportCsv => Handled::reply(self.export_csv().await),
            Message::SetAutoSync { enabled } => {
                let mut settings = self.settings().await;
                if enabled && !settings.auto_sync {
                    // The alarm's first run comes one interval from now.
                    let _ = save(&self.store, LAST_AUTO_KEY, &self.clock.now_ms()).await;
                }
                settings.auto_sync = enabled;
                match self.save_settings(settings).await {
                    Ok(s) => Handled { reply: ok(json!({"autoSync": self.auto_sync_view(&s).await})), effects: self.standing_effects().await, start: None },
                    Err(e) => Handled::reply(save_error(e)),
                }
            }
            Message::OrderBadges { order_ids } => Handled::reply(ok(json!({"badges": self.order_badges_json(&order_ids).await}))),
            Message::OpenReport => Handled { reply: ok(json!({})), effects: vec![Effect::OpenOptions { section: "report".into() }], start: None },
            Message::OpenDocument { order_id } => Handled { reply: ok(json!({})), effects: vec![Effect::OpenDocument { order_id }], start: None },
            Message::DocumentPdf { order_id } => Handled::reply(Box::pin(self.document_pdf(order_id)).await),
            // boxed: their state lives outside this future's
            m @ (Message::AdminPanel { .. } | Message::ReportShopAddresses { .. } | Message::ReportPage { .. }) => Box::pin(self.panel_message(m, from)).await,
            Message::ResolveOrder { order_id, decision, systim_number } => Handled::reply(match self.resolve_order(order_id, decision, &systim_number).await {
                Ok(_) => ok(json!({"badges": self.order_badges_json(&[order_id]).await})),
                Err(super::resolve::ResolveError::NotConfigured) => error_of("not_configured", "core_msg_not_configured", &[]),
                Err(super::resolve::ResolveError::NotAwaiting) => error_of("not_awaiting_decision", "core_msg_not_awaiting_decision", &[]),
                Err(super::resolve::ResolveError::State(text)) => {
                    error("storage_error", &text, crate::texts::t(crate::plan::Lang::En, "core_msg_storage_refused"))
                }
            }),
            Message::ResolveDocument { order_id, decision, systim_number } => {
                Handled::reply(match self.resolve_document(order_id, decision, &systim_number).await {
                    Ok(_) => ok(json!({})),
                    Err(super::resolve::ResolveError::NotConfigured) => error_of("not_configured", "core_msg_not_configured", &[]),
                    Err(super::resolve::ResolveError::NotAwaiting) => error_of("not_awaiting_decision", "core_msg_not_awaiting_decision", &[]),
                    Err(super::resolve::ResolveError::State(text)) => {
                        error("storage_error", &text, crate::texts::t(crate::plan::Lang::En, "core_msg_storage_refused"))
                    }
                })
            }
        }
    }

    async fn save_settings_message(&self, raw: Value) -> Handled {
        let (settings, refused) = Settings::from_stored(&raw);
        if !refused.is_empty() {
            return Handled::reply(refused_setting_fields(&refused));
        }
        match self.save_settings(settings).await {
            Ok(s) => Handled { reply: ok(json!({"settings": s})), effects: self.standing_effects().await, start: None },
            Err(e) => Handled::reply(save_error(e)),
        }
    }

    /// The settings file ([`settings_file`]): the settings and the connection, its keys only
    /// when asked.
    async fn export_settings(&self, with_keys: bool) -> Value {
        let conn = self.connection().await;
        let day = crate::dates::ymd(self.clock.now_ms());
        let host = shop_host(&conn.shop_url).replace(':', "_");
        let name = ["shoper-systim-ustawienia", &host, &day, if with_keys { "z-kluczami" } else { "" }]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("-");
        let content = settings_file::export(&self.settings().await, &conn, with_keys, &day);
        ok(json!({"filename": format!("{name}.json"), "mime": "application/json;charset=utf-8", "content": content, "withKeys": with_keys}))
    }

    /// Apply a settings file: all of it, or — when anything in it cannot be used — nothing. A
    /// file without keys updates the connection only where the stored keys still belong to its
    /// addresses; otherwise its connection comes back unsaved for the form (the keys to type).
    async fn import_settings(&self, content: &str) -> Handled {
        let file = match settings_file::parse(content) {
            Ok(f) => f,
            Err(e) => {
                let mut reply = error(e.code, &e.message_pl, &e.message_en);
                reply["error"]["fields"] = json!(e.fields);
                return Handled::reply(reply);
            }
        };
        let stored = self.connection().await;
        let incoming = file.connection.clone().map(|c| {
            if file.keys {
                c
            } else {
                Connection { shoper_password: String::new(), shoper_token: String::new(), systim_key: String::new(), ..c }
            }
        });
        // Without keys, the stored ones are offered back (as their masks): kept while their address is unchanged.
        let offered = incoming.clone().map(|c| {
            if file.keys {
                c
            } else {
                let masked = stored.view(false);
                Connection { shoper_password: masked.shoper_password, shoper_token: masked.shoper_token, systim_key: masked.systim_key, ..c }
            }
        });
        let accepted = offered.map(|c| c.accept(&stored, self.host_rules()));
        if let (true, Some(Err(fields))) = (file.keys, &accepted) {
            let fields: Vec<FieldError> = fields.iter().map(|f| FieldError { field: format!("connection.{}", f.field), ..f.clone() }).collect();
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            let mut reply = error_of("settings_file_invalid", "core_msg_file_connection_unusable", &[&names.join(", ")]);
            reply["error"]["fields"] = json!(fields);
            return Handled::reply(reply);
        }
        let previous = self.settings().await;
        let settings = match self.save_settings(file.settings).await {
            Ok(s) => s,
            Err(e) => return Handled::reply(save_error(e)),
        };
        let mut effects = Vec::new();
        let (connection, saved) = match (accepted, incoming) {
            (Some(Ok(merged)), _) => match self.save_connection(merged).await {
                Ok(conn) => {
                    effects.push(Effect::KeepHostAccess { origins: conn.host_permissions(self.host_rules()) });
                    (conn.view(false), true)
                }
                Err(e) => {
                    let _ = self.save_settings(previous).await; // all or nothing
                    return Handled::reply(save_error(e));
                }
            },
            (_, Some(proposal)) => (proposal, false),
            (_, None) => (stored.view(false), false),
        };
        let shown = if saved { connection.clone() } else { self.connection().await };
        effects.splice(0..0, self.standing_effects().await);
        Handled {
            reply: ok(json!({
                "settings": settings,
                "connection": connection,
                "connectionSaved": saved,
                "keysIncluded": file.keys,
                "hostPermissions": shown.host_permissions(self.host_rules()),
                "ignoredFields": file.ignored,
                "exported": file.exported,
            })),
            effects,
            start: None,
        }
    }

    /// A run is started by the boundary after the reply (it may take minutes).
    async fn start(&self, req: RunRequest) -> Handled {
        if self.is_running() || self.progress().await.is_some() {
            return Handled::reply(busy());
        }
        if !self.connection().await.is_configured(self.host_rules()) {
            return Handled::reply(error_of("not_configured", "core_msg_not_configured", &[]));
        }
        let run_id = self.new_run_id();
        // Visible to `getStatus` from the moment the id is given, before the run itself starts.
        self.announce(&run_id, &req).await;
        Handled { reply: ok(json!({"runId": run_id})), effects: Vec::new(), start: Some((run_id, req)) }
    }

    /// Run a started run to its end and give the effects that follow (badge, notification).
    pub async fn run_started(&self, run_id: String, req: RunRequest) -> Vec<Effect> {
        if req.kind == RunKind::Auto {
            let _ = save(&self.store, LAST_AUTO_KEY, &self.clock.now_ms()).await;
        }
        match self.run_with_id(run_id, req).await {
            Ok(report) => self.after_run(&report),
            Err(RunError::Busy(_)) | Err(RunError::NotConfigured(_)) => {
                let _ = self.store.remove(super::PROGRESS_KEY).await;
                Vec::new()
            }
        }
    }

    fn after_run(&self, report: &Report) -> Vec<Effect> {
        let s = &report.summary;
        let mut effects = vec![badge(s.problems)];
        let held_orders = report.sections.iter().any(|sec| sec.kind == Part::Orders && !sec.problems.is_empty());
        if !s.dry_run && (s.outcome == Outcome::Failed || held_orders) {
            let (title, message) = if s.outcome == Outcome::Failed {
                (
                    crate::texts::t(crate::plan::Lang::Pl, "core_notify_failed").to_string(),
                    report.error.as_ref().map(|e| e.message_pl.clone()).unwrap_or_default(),
                )
            } else {
                (crate::texts::t(crate::plan::Lang::Pl, "core_notify_held").to_string(), s.headline_pl.clone())
            };
            effects.push(Effect::Notify { id: s.run_id.clone(), title, message });
        }
        effects
    }

    /// Effects that follow from the stored configuration: the alarm, the content script, the badge.
    pub async fn standing_effects(&self) -> Vec<Effect> {
        let settings = self.settings().await;
        let conn = self.connection().await;
        let mut effects = Vec::new();
        if settings.auto_sync && conn.is_configured(self.host_rules()) {
            effects.push(Effect::Alarm { name: AUTO_ALARM.into(), period_minutes: settings.interval_minutes.max(1) });
        } else {
            effects.push(Effect::ClearAlarm { name: AUTO_ALARM.into() });
        }
        let origins = conn.panel_origins(self.host_rules());
        match origins.first() {
            Some(origin) => {
                effects.push(Effect::RegisterContentScript { origin: origin.clone(), matches: origins.iter().flat_map(|o| admin_patterns(o)).collect() })
            }
            None => effects.push(Effect::UnregisterContentScript),
        }
        let problems = report::history(&self.store).await.first().map_or(0, |r| r.problems);
        effects.push(badge(problems));
        effects
    }

    /// The browser started or the extension was installed/updated.
    pub async fn on_startup(&self) -> Vec<Effect> {
        self.standing_effects().await
    }

    /// `runtime.onInstalled` (`reason`: "install", "update", "browser_update"/"chrome_update"…):
    /// stored data of an older version is migrated first (`super::migrate`: a no-op when the
    /// data is current, so every reason goes through it), then the standing effects.
    pub async fn on_installed(&self, reason: &str) -> Vec<Effect> {
        let _ = reason;
        super::migrate::on_installed(&self.store, self.clock.now_ms()).await;
        self.standing_effects().await
    }

    /// An alarm fired: the automatic run, when switched on.
    pub async fn on_alarm(&self, name: &str) -> Option<(String, RunRequest)> {
        if name != AUTO_ALARM || !self.settings().await.auto_sync {
            return None;
        }
        self.start(RunRequest { kind: RunKind::Auto, dry_run: false, confirm_zeroing: false }).await.start
    }

    /// A page of the shop's admin panel was opened: sync now (at most once a minute).
    pub async fn on_admin_page(&self, url: &str) -> Option<(String, RunRequest)> {
        if self.connection().await.panel_path(self.host_rules(), url).is_none() || !self.settings().await.auto_sync {
            return None;
        }
        let last: u64 = load(&self.store, LAST_AUTO_KEY).await.unwrap_or(None).unwrap_or(0);
        if self.clock.now_ms().saturating_sub(last) < ADMIN_PAGE_MIN_GAP_MS {
            return None;
        }
        self.start(RunRequest { kind: RunKind::Auto, dry_run: false, confirm_zeroing: false }).await.start
    }

    /// Host access was withdrawn: stop what needs it (the content script; the alarm keeps
    /// running and its runs report the missing access).
    pub async fn on_permissions_removed(&self, origins: &[String]) -> Vec<Effect> {
        let Ok(shop) = self.connection().await.shop_origin() else { return Vec::new() };
        let pattern = permission_pattern(&shop);
        if origins.iter().any(|o| *o == pattern || shop.starts_with(super::trim_end_text(o, "/*"))) {
            vec![Effect::UnregisterContentScript]
        } else {
            Vec::new()
        }
    }

    async fn auto_sync_view(&self, settings: &Settings) -> Value {
        let last: Option<u64> = load(&self.store, LAST_AUTO_KEY).await.unwrap_or(None);
        let next = settings.auto_sync.then(|| last.map(|l| l + u64::from(settings.interval_minutes) * 60_000)).flatten();
        json!({"enabled": settings.auto_sync, "intervalMinutes": settings.interval_minutes, "nextRunMs": next})
    }

    async fn status(&self) -> Value {
        let conn = self.connection().await;
        let settings = self.settings().await;
        let history = report::history(&self.store).await;
        let last = |p| last_with(&history, p).cloned();
        json!({
            "configured": conn.is_configured(self.host_rules()),
            "connection": conn.view(false),
            "hostPermissions": conn.host_permissions(self.host_rules()),
            "autoSync": self.auto_sync_view(&settings).await,
            "running": self.progress().await,
            "lastRuns": {"orders": last(Part::Orders), "stock": last(Part::Stock), "products": last(Part::Products)},
            "problems": history.first().map_or(0, |r| r.problems),
        })
    }

    /// Systim products as a Shoper product-import CSV file.
    pub async fn export_csv(&self) -> Value {
        let conn = self.connection().await;
        if !conn.is_configured(self.host_rules()) {
            return error_of("not_configured", "core_msg_not_configured", &[]);
        }
        let settings = self.settings().await;
        let mut session = match super::session::Session::open(&self.http, &self.clock, &conn) {
            Ok(s) => s,
            Err(e) => return error(e.code(), &e.message_pl(), &e.message_en()),
        };
        session.restore_tokens(&self.store).await;
        let read = session.read_systim(&settings, true, self.clock.now_ms()).await;
        session.save_tokens(&self.store).await;
        match read {
            Ok(r) => {
                let content = export_products(&r.snapshot.products, &r.snapshot.categories, &CsvOptions::default());
                let date = crate::dates::ymd(self.clock.now_ms());
                ok(
                    json!({"filename": format!("produkty-systim-{date}.csv"), "mime": "text/csv;charset=utf-8", "content": content, "host": shop_host(&conn.shop_url)}),
                )
            }
            Err(e) => error(e.code(), &e.message_pl(), &e.message_en()),
        }
    }
}

fn badge(problems: u32) -> Effect {
    Effect::Badge { text: if problems == 0 { String::new() } else { problems.min(999).to_string() }, color: "#c62828".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the derive would be: the hand-written reader must accept and refuse the same.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
    #[allow(dead_code)]
    enum Derived {
        GetStatus,
        GetConnection,
        RevealKeys,
        SaveConnection {
            connection: Connection,
        },
        GetSettings,
        SaveSettings {
            settings: Value,
        },
        TestConnection {
            #[serde(default)]
            connection: Option<Connection>,
        },
        Run {
            kind: RunKind,
            #[serde(default)]
            dry_run: bool,
            #[serde(default)]
            confirm_zeroing: bool,
        },
        Cancel,
        GetReport {
            #[serde(default)]
            run_id: Option<String>,
        },
        GetHistory,
        ExportCsv,
        SetAutoSync {
            enabled: bool,
        },
        SyncNow,
        OrderBadges {
            order_ids: Vec<u64>,
        },
        OpenReport,
        OpenDocument {
            order_id: u64,
        },
        DocumentPdf {
            order_id: u64,
        },
        ResolveOrder {
            order_id: u64,
            decision: super::super::resolve::Decision,
            #[serde(default)]
            systim_number: String,
        },
        ResolveDocument {
            order_id: u64,
            decision: super::super::resolve::Decision,
            #[serde(default)]
            systim_number: String,
        },
        AdminPanel {
            #[serde(default)]
            add: String,
            #[serde(default)]
            forget: String,
        },
        ReportShopAddresses {
            domains: Vec<String>,
        },
        ReportPage {
            pattern: String,
            problem: String,
        },
        ExportSettings {
            #[serde(default)]
            with_keys: bool,
        },
        ImportSettings {
            content: String,
        },
        ListChoices {
            kinds: Vec<String>,
            #[serde(default)]
            refresh: bool,
            #[serde(default)]
            query: String,
            #[serde(default)]
            ids: Vec<u64>,
        },
        SuggestMappings {
            mapping: String,
        },
    }

    #[test]
    fn messages_read_as_the_derived_internally_tagged_reader_reads_them() {
        let connection = serde_json::to_value(Connection::default()).unwrap();
        let mut cases: Vec<Value> = KNOWN_TYPES.iter().map(|t| json!({"type": t})).collect();
        cases.extend([
            json!({"type": "getStatus", "extra": [1]}),
            json!({"type": "saveConnection", "connection": connection}),
            json!({"type": "saveConnection", "connection": {"shopUrl": 5}}),
            json!({"type": "saveSettings", "settings": null}),
            json!({"type": "saveSettings", "settings": {"auto_sync": true}}),
            json!({"type": "testConnection", "connection": null}),
            json!({"type": "testConnection", "connection": connection}),
            json!({"type": "run", "kind": "stock"}),
            json!({"type": "run", "kind": "stock", "dryRun": true, "confirmZeroing": true}),
            json!({"type": "run", "kind": "stock", "dry_run": "ignored"}),
            json!({"type": "run", "kind": "stock", "dryRun": "yes"}),
            json!({"type": "run", "kind": "everything"}),
            json!({"type": "getReport", "runId": "abc"}),
            json!({"type": "getReport", "runId": null}),
            json!({"type": "getReport", "runId": 5}),
            json!({"type": "setAutoSync", "enabled": false}),
            json!({"type": "setAutoSync", "enabled": 1}),
            json!({"type": "orderBadges", "orderIds": [1, 2]}),
            json!({"type": "orderBadges", "orderIds": [-1]}),
            json!({"type": "orderBadges", "order_ids": [1]}),
            json!({"type": "openDocument", "orderId": 12}),
            json!({"type": "openDocument", "orderId": "12"}),
            json!({"type": "documentPdf", "orderId": 12}),
            json!({"type": "documentPdf"}),
            json!({"type": "resolveOrder", "orderId": 3, "decision": "in_systim"}),
            json!({"type": "resolveOrder", "orderId": 3, "decision": "send_again", "systimNumber": "ZAM/1"}),
            json!({"type": "resolveOrder", "orderId": 3, "decision": "later"}),
            json!({"type": "resolveDocument", "orderId": 3, "decision": "in_systim", "systimNumber": "FV/1/2026"}),
            json!({"type": "resolveDocument", "orderId": "3", "decision": "send_again"}),
            json!({"type": "adminPanel", "add": "https://www.sklep.pl"}),
            json!({"type": "adminPanel", "forget": "https://www.sklep.pl"}),
            json!({"type": "adminPanel", "forget": 5}),
            json!({"type": "reportShopAddresses", "domains": ["a.pl", "b.pl"]}),
            json!({"type": "reportShopAddresses", "domains": "a.pl"}),
            json!({"type": "reportPage", "pattern": "/admin/x", "problem": "no_panel_marks"}),
            json!({"type": "reportPage", "pattern": "/admin/x", "problem": 3}),
            json!({"type": "exportSettings", "withKeys": true}),
            json!({"type": "exportSettings", "withKeys": "tak"}),
            json!({"type": "importSettings", "content": "{}"}),
            json!({"type": "importSettings", "content": 5}),
            json!({"type": "listChoices", "kinds": ["shop_payments", "systim_delivery"]}),
            json!({"type": "listChoices", "kinds": ["systim_products"], "refresh": true, "query": "dost", "ids": [7]}),
            json!({"type": "listChoices", "kinds": "shop_payments"}),
            json!({"type": "listChoices", "kinds": [], "ids": [-1]}),
            json!({"type": "suggestMappings", "mapping": "payment"}),
            json!({"type": "suggestMappings", "mapping": 1}),
            json!({"type": "nope"}),
            json!({"type": 5}),
            json!({"kind": "stock"}),
            json!("getStatus"),
        ]);
        for v in cases {
            let ours = crate::json::from_value::<Message>(v.clone());
            let derived = serde_json::from_value::<Derived>(v.clone());
            match (ours, derived) {
                (Ok(o), Ok(d)) => assert_eq!(format!("{o:?}"), format!("{d:?}"), "{v}"),
                // (A message that is no object never gets this far: `handle_message` wants its `type`.)
                (Err(o), Err(d)) => assert!(!v.is_object() || o.to_string() == d.to_string(), "{v}: {o} vs {d}"),
                (o, d) => panic!("{v}: {o:?} vs {d:?}"),
            }
        }
    }

    /// The sender the background describes reads as the derive read it (every field may be left
    /// out), every kind included.
    #[test]
    fn a_sender_reads_as_the_derive_reads_it() {
        #[derive(Debug, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", default)]
        struct Derived {
            kind: DerivedKind,
            url: String,
            tab_id: Option<i64>,
        }
        #[derive(Debug, Default, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum DerivedKind {
            ExtensionPage,
            ContentScript,
            #[default]
            Other,
        }
        let stored: Vec<Value> = [SenderKind::ExtensionPage, SenderKind::ContentScript, SenderKind::Other]
            .into_iter()
            .map(|kind| serde_json::to_value(Sender { kind, url: "https://sklep.pl/admin".into(), tab_id: Some(3) }).unwrap())
            .collect();
        crate::json::assert_reads_as_derive::<Sender, Derived>(&[("struct Derived", "a map"), ("enum DerivedKind", "enum SenderKind")], &stored);
        crate::json::assert_reads_as_derive::<Sender, Derived>(
            &[("struct Derived", "a map"), ("enum DerivedKind", "enum SenderKind")],
            &[json!({"kind": "popup", "tabId": -1})],
        );
        let read = crate::json::from_value::<Sender>(json!({"kind": "content_script", "url": "u", "tabId": 4})).unwrap();
        assert_eq!(read, Sender { kind: SenderKind::ContentScript, url: "u".into(), tab_id: Some(4) });
    }
}
