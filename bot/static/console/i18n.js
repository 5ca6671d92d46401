// UI texts in Chinese and English; the choice is kept in localStorage.

const TEXTS = {
  zh: {
    skip: "跳到内容", brand: "Careline 客服台", login_title: "Careline 客服台登录", username: "用户名",
    password: "密码", login: "登录", logout: "退出", login_missing: "请输入用户名和密码",
    login_bad: "用户名或密码错误", login_throttled: "尝试次数过多，请 {n} 分钟后再试",
    session_ended: "登录已过期，请重新登录", live_on: "● 实时", live_retry: "○ 重新连接中…",
    nav_queue: "排队", nav_mine: "我的会话", nav_tickets: "工单", nav_admin: "管理",
    role_agent: "客服", role_supervisor: "主管", role_admin: "管理员", role: "角色",
    not_found: "页面不存在",
    queue_title: "排队中的客户", mine_title: "我的会话", queue_empty: "目前没有排队的客户。",
    mine_empty: "您目前没有进行中的会话。", queue_stats: "排队 {n} 人", queue_first: "显示最前面的 {n} 位",
    col_customer: "客户", col_channel: "渠道", col_flags: "标记", col_sentiment: "情绪",
    col_reason: "原因", col_waiting: "等待", col_last: "最后一句", col_agent: "客服",
    claim: "接入", open: "打开", unassigned: "未分配", anonymous: "访客", urgent: "紧急", priority: "优先级",
    angry: "愤怒", claim_taken: "该会话已被其他客服接入", claimed: "已接入会话",
    sent_negative: "负面", sent_neutral: "中性", sent_positive: "正面",
    ch_telegram: "Telegram", ch_wechat: "微信", ch_web: "网页",
    reason_angry: "客户愤怒", reason_anger: "客户愤怒", reason_asked: "客户要求人工", reason_negative: "负面情绪", reason_sentiment: "负面情绪",
    reason_explicit: "客户要求人工", reason_request: "客户要求人工", reason_requested: "客户要求人工",
    reason_failed_turns: "连续两次未理解", reason_urgent_complaint: "紧急投诉", reason_urgent: "紧急投诉",
    reason_complaint: "投诉", reason_vip: "VIP 客户", reason_timeout: "等待超时", reason_manual: "人工发起",
    status_bot: "机器人", status_queued: "排队中", status_agent: "人工服务中", status_closed: "已关闭",
    history: "会话记录", conversation: "会话", customer: "客户资料", show_internals: "显示机器人内部事件",
    bot: "机器人", agent: "客服", note: "备注", channel_switch: "— 切换到 {ch} —",
    nlu_intent: "意图", nlu_sentiment: "情绪", nlu_entities: "实体",
    kind_image: "图片", kind_voice: "语音", kind_file: "文件", kind_unsupported: "不支持的消息",
    kind_event: "事件", kind_callback: "按钮", kind_command: "命令",
    media_photo: "照片", media_document: "文件", media_voice: "语音", media_video: "视频",
    ev_handoff_requested: "请求转人工", ev_handoff_queued: "进入排队", ev_handoff_claimed: "客服已接入",
    ev_handoff_transferred: "已转接", ev_handoff_released: "交还机器人", ev_handoff_closed: "会话已关闭",
    ev_handoff_timeout: "排队超时，已承诺回电", ev_handoff_cancelled: "客户取消转人工",
    ev_ticket_opened: "已开工单", ev_ticket_status_changed: "工单状态变更", ev_booking_created: "已预约",
    ev_booking_rescheduled: "预约已改期", ev_booking_cancelled: "预约已取消", ev_survey_answered: "已回答满意度调查",
    ev_voucher_issued: "已发放优惠券", ev_preference_saved: "已保存偏好", ev_channel_unsubscribed: "客户已取消关注",
    ev_bad_input: "无法处理的输入", ev_flow_started: "流程开始", ev_flow_ended: "流程结束",
    reply_label: "回复客户", reply_placeholder: "输入回复…（Ctrl+Enter 发送）", send: "发送",
    send_hint: "Ctrl+Enter 发送", canned: "常用回复", canned_filter: "搜索常用回复",
    reply_skipped: "回复未发送：{why}",
    window_always: "该渠道可随时回复", window_open: "微信 48 小时窗口：开启",
    window_closes: "微信 48 小时窗口：{left} 后关闭", window_closed: "微信 48 小时窗口已关闭——回复可能无法送达",
    actions: "操作", transfer_to: "转给", choose_agent: "选择客服…", transfer: "转接", transferred: "已转接",
    start_survey: "同时发起满意度调查", release: "交还机器人", released: "已交还机器人",
    close_conv: "关闭会话", close_confirm: "再点一次确认关闭", closed: "会话已关闭", no_actions: "无可用操作",
    profile: "客户资料", tier: "会员等级", points: "积分", expiring: "即将过期",
    points_expiring: "{n} 分将在 {d} 天内过期", completed: "已完成服务", milestones: "里程碑",
    region: "地区", lang: "语言", identities: "渠道身份", preferences: "偏好", bookings: "预约",
    open_tickets: "未关闭工单", none: "无", notes: "内部备注", note_label: "新增备注（客户看不到）",
    add_note: "添加备注", no_notes: "暂无备注",
    conv_missing: "会话不存在", forbidden_conv: "403 — 无权查看该会话",
    svc_moving: "搬家", svc_cleaning: "保洁", bstatus_confirmed: "已确认", bstatus_cancelled: "已取消", bstatus_completed: "已完成",
    tickets_title: "工单", tickets_active: "未关闭", tickets_all: "全部", filter: "筛选",
    tickets_stats: "共 {n} 个，超时 {red} 个",
    col_ticket: "工单", col_severity: "级别", col_topic: "主题", col_status: "状态", col_due: "期限",
    col_sla: "SLA", col_actions: "操作", reply_due: "回复期限", fix_due: "解决期限",
    sla_warning: "工单 {id} 即将超时", sla_breached: "工单 {id} 已超时，已升级",
    sla_done: "已完成", sla_green: "正常", sla_amber: "即将超时", sla_red: "已超时", left: "剩余 {d}", overdue: "超时 {d}",
    sev_experience: "服务体验", sev_suggestion: "建议", topic_damage: "物品损坏/丢失", topic_lateness: "迟到/未上门",
    topic_attitude: "服务态度", topic_quality: "服务质量", topic_billing: "费用", topic_communication: "沟通",
    topic_suggestion: "建议", sev_low: "低", sev_normal: "普通", sev_medium: "中", sev_high: "高", sev_urgent: "紧急", priority: "优先级", sev_critical: "严重",
    tstatus_open: "待处理", tstatus_acknowledged: "已受理", tstatus_in_progress: "处理中",
    tstatus_resolved: "已解决", tstatus_closed: "已关闭",
    to_acknowledged: "受理", to_in_progress: "开始处理", to_resolved: "解决", to_closed: "关闭",
    reopen: "重新打开", outcome: "处理结果（告知客户）", outcome_needed: "解决工单需要填写处理结果",
    ticket_updated: "工单 {id} 已更新", forbidden_tickets: "403 — 仅主管和管理员可查看工单",
    admin_users: "用户", admin_scripts: "脚本", admin_audit: "审计日志",
    forbidden_admin: "403 — 仅限管理员", forbidden_hint: "您的账号没有访问此页面的权限。",
    display_name: "显示名", col_active: "启用", col_last_login: "最近登录", yes: "是", no: "否",
    disable: "停用", enable: "启用", user_new: "新建用户", create: "创建",
    user_created: "已创建用户 {u}", user_updated: "已更新用户 {u}",
    pick_script: "从左侧选择一个脚本进行编辑。", check: "检查", save: "保存", comment: "修改说明",
    comment_placeholder: "修改说明（必填）", comment_needed: "保存前请填写修改说明", check_ok: "检查通过，没有错误",
    hint: "提示", versions: "版本", current: "当前", rollback: "回滚到此版本", no_versions: "暂无版本",
    saved: "已保存并生效", not_saved: "未保存：请先修正错误（线上版本不变）", warning: "警告", rolled_back: "已回滚到版本 {v}",
    col_time: "时间", col_actor: "操作人", col_action: "操作", col_target: "对象", col_details: "详情",
  },
  en: {
    skip: "Skip to content", brand: "Careline console", login_title: "Careline console", username: "Username",
    password: "Password", login: "Log in", logout: "Log out", login_missing: "Enter your username and password",
    login_bad: "Wrong username or password", login_throttled: "Too many attempts, try again in {n} min",
    session_ended: "Your session ended; please log in again", live_on: "● live", live_retry: "○ reconnecting…",
    nav_queue: "Queue", nav_mine: "My conversations", nav_tickets: "Tickets", nav_admin: "Admin",
    role_agent: "agent", role_supervisor: "supervisor", role_admin: "admin", role: "Role",
    not_found: "No such page",
    queue_title: "Waiting customers", mine_title: "My conversations", queue_empty: "Nobody is waiting.",
    mine_empty: "You have no open conversations.", queue_stats: "{n} waiting", queue_first: "showing the first {n}",
    col_customer: "Customer", col_channel: "Channel", col_flags: "Flags", col_sentiment: "Sentiment",
    col_reason: "Reason", col_waiting: "Waiting", col_last: "Last message", col_agent: "Agent",
    claim: "Claim", open: "Open", unassigned: "unassigned", anonymous: "Visitor", urgent: "urgent", priority: "priority",
    angry: "angry", claim_taken: "Someone else already claimed this conversation", claimed: "Claimed",
    sent_negative: "negative", sent_neutral: "neutral", sent_positive: "positive",
    ch_telegram: "Telegram", ch_wechat: "WeChat", ch_web: "Web",
    reason_angry: "angry customer", reason_anger: "angry customer", reason_asked: "asked for a human", reason_negative: "negative sentiment", reason_sentiment: "negative sentiment",
    reason_explicit: "asked for a human", reason_request: "asked for a human", reason_requested: "asked for a human",
    reason_failed_turns: "two failed turns", reason_urgent_complaint: "urgent complaint", reason_urgent: "urgent complaint",
    reason_complaint: "complaint", reason_vip: "VIP customer", reason_timeout: "queue timeout", reason_manual: "manual",
    status_bot: "bot", status_queued: "queued", status_agent: "with agent", status_closed: "closed",
    history: "History", conversation: "Conversation", customer: "Customer", show_internals: "Show bot internals",
    bot: "Bot", agent: "Agent", note: "Note", channel_switch: "— continued on {ch} —",
    nlu_intent: "intent", nlu_sentiment: "sentiment", nlu_entities: "entities",
    kind_image: "image", kind_voice: "voice", kind_file: "file", kind_unsupported: "unsupported message",
    kind_event: "event", kind_callback: "button", kind_command: "command",
    media_photo: "photo", media_document: "file", media_voice: "voice note", media_video: "video",
    ev_handoff_requested: "handoff requested", ev_handoff_queued: "queued", ev_handoff_claimed: "claimed by an agent",
    ev_handoff_transferred: "transferred", ev_handoff_released: "handed back to the bot", ev_handoff_closed: "closed",
    ev_handoff_timeout: "nobody claimed it: callback promised", ev_handoff_cancelled: "customer cancelled the handoff",
    ev_ticket_opened: "ticket opened", ev_ticket_status_changed: "ticket status changed", ev_booking_created: "booked",
    ev_booking_rescheduled: "booking rescheduled", ev_booking_cancelled: "booking cancelled", ev_survey_answered: "survey answered",
    ev_voucher_issued: "voucher issued", ev_preference_saved: "preference saved", ev_channel_unsubscribed: "customer unsubscribed",
    ev_bad_input: "input the bot could not handle", ev_flow_started: "flow started", ev_flow_ended: "flow ended",
    reply_label: "Reply to the customer", reply_placeholder: "Type a reply… (Ctrl+Enter sends)", send: "Send",
    send_hint: "Ctrl+Enter sends", canned: "Canned replies", canned_filter: "Search canned replies",
    reply_skipped: "Reply not sent: {why}",
    window_always: "This channel accepts replies at any time", window_open: "WeChat 48 h window: open",
    window_closes: "WeChat 48 h window closes in {left}", window_closed: "WeChat 48 h window closed — replies may be skipped",
    actions: "Actions", transfer_to: "Transfer to", choose_agent: "Choose an agent…", transfer: "Transfer", transferred: "Transferred",
    start_survey: "Start the survey", release: "Hand back to the bot", released: "Handed back to the bot",
    close_conv: "Close conversation", close_confirm: "Click again to close", closed: "Conversation closed", no_actions: "Nothing to do here",
    profile: "Profile", tier: "Tier", points: "Points", expiring: "Expiring",
    points_expiring: "{n} points expire within {d} days", completed: "Completed services", milestones: "Milestones",
    region: "Region", lang: "Language", identities: "Identities", preferences: "Preferences", bookings: "Bookings",
    open_tickets: "Open tickets", none: "None", notes: "Internal notes", note_label: "New note (the customer never sees it)",
    add_note: "Add note", no_notes: "No notes yet",
    conv_missing: "No such conversation", forbidden_conv: "403 — not yours to see",
    svc_moving: "moving", svc_cleaning: "cleaning", bstatus_confirmed: "confirmed", bstatus_cancelled: "cancelled", bstatus_completed: "completed",
    tickets_title: "Tickets", tickets_active: "Not closed", tickets_all: "All", filter: "Show",
    tickets_stats: "{n} tickets, {red} overdue",
    col_ticket: "Ticket", col_severity: "Severity", col_topic: "Topic", col_status: "Status", col_due: "Due",
    col_sla: "SLA", col_actions: "Actions", reply_due: "reply by", fix_due: "fix by",
    sla_warning: "Ticket {id} is close to its deadline", sla_breached: "Ticket {id} is overdue and escalated",
    sla_done: "done", sla_green: "on time", sla_amber: "due soon", sla_red: "overdue", left: "{d} left", overdue: "{d} late",
    sev_experience: "experience", sev_suggestion: "suggestion", topic_damage: "damage or loss", topic_lateness: "lateness or no-show",
    topic_attitude: "attitude", topic_quality: "quality", topic_billing: "billing", topic_communication: "communication",
    topic_suggestion: "suggestion", sev_low: "low", sev_normal: "normal", sev_medium: "medium", sev_high: "high", sev_urgent: "urgent", priority: "priority", sev_critical: "critical",
    tstatus_open: "open", tstatus_acknowledged: "acknowledged", tstatus_in_progress: "in progress",
    tstatus_resolved: "resolved", tstatus_closed: "closed",
    to_acknowledged: "Acknowledge", to_in_progress: "Start work", to_resolved: "Resolve", to_closed: "Close",
    reopen: "Reopen", outcome: "Outcome (told to the customer)", outcome_needed: "Resolving needs the outcome",
    ticket_updated: "Ticket {id} updated", forbidden_tickets: "403 — supervisors and admins only",
    admin_users: "Users", admin_scripts: "Scripts", admin_audit: "Audit log",
    forbidden_admin: "403 — admins only", forbidden_hint: "Your account may not open this page.",
    display_name: "Display name", col_active: "Active", col_last_login: "Last login", yes: "yes", no: "no",
    disable: "Disable", enable: "Enable", user_new: "New user", create: "Create",
    user_created: "User {u} created", user_updated: "User {u} updated",
    pick_script: "Pick a script on the left to edit it.", check: "Check", save: "Save", comment: "Comment",
    comment_placeholder: "What changed (required)", comment_needed: "Write what changed before saving", check_ok: "No errors",
    hint: "hint", versions: "Versions", current: "current", rollback: "Roll back to this", no_versions: "No versions yet",
    saved: "Saved and live", not_saved: "Not saved: fix the errors first (the live version stays)", warning: "warning", rolled_back: "Rolled back to version {v}",
    col_time: "Time", col_actor: "Who", col_action: "Action", col_target: "Target", col_details: "Details",
  },
};

let lang = (() => {
  try {
    const saved = localStorage.getItem("careline.console.lang");
    if (saved === "zh" || saved === "en") return saved;
  } catch { /* storage may be disabled */ }
  return (navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh" : "en";
})();

export function getLang() {
  return lang;
}

export function setLang(value) {
  lang = value === "en" ? "en" : "zh";
  try { localStorage.setItem("careline.console.lang", lang); } catch { /* ignore */ }
}

/** The text for ``key`` with {placeholders} filled in; ``fallback`` (or the key) when unknown. */
export function t(key, vars = {}, fallback) {
  let text = TEXTS[lang][key] ?? TEXTS.en[key];
  if (text === undefined) return fallback !== undefined ? String(fallback) : key;
  for (const [name, value] of Object.entries(vars || {})) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** Fills every [data-t] element of the static page and the language buttons. */
export function applyStatic() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("brand");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const id of ["lang", "login-lang"]) {
    const button = document.getElementById(id);
    if (button) {
      button.textContent = lang === "zh" ? "EN" : "中文";
      button.setAttribute("aria-label", lang === "zh" ? "Switch to English" : "切换到中文");
    }
  }
}
