/* 案件详情：GET /api/dispute-cases/<id>/ 与 /events/；状态变更为 POST /api/dispute-cases/<id>/<操作>/，回访为 POST /api/follow-ups/<id>/record/。 */
const STATE_TYPES = {
  received: "info", classified: "info", mediating: "primary", resolved: "success", unresolved: "warning",
  escalated: "danger", referred: "warning", follow_up: "success", closed: "info",
};
const ACTION_TYPES = { resolve: "success", escalate: "danger", "mark-unresolved": "warning", refer: "warning", close: "primary" };
const NOTE_ACTIONS = ["classify", "start-mediation", "resolve", "escalate", "refer", "close"];

Platform.page({
  data() {
    return {
      id: Platform.pageData.id,
      c: {},
      events: [],
      loading: true,
      failed: "",
      revealed: null,
      revealing: false,
      dialog: { visible: false, action: "", title: "", form: {}, saving: false, followUp: null },
    };
  },
  computed: {
    hasNote() {
      return NOTE_ACTIONS.includes(this.dialog.action);
    },
    idleHint() {
      if (this.c.state === "closed") return "案件已结案。";
      if (this.c.state === "resolved" || this.c.state === "referred") return "系统将安排跟踪回访。";
      if (this.c.state === "follow_up") return "请完成全部回访后结案。";
      return "案件目前不由您办理。";
    },
  },
  mounted() {
    this.load();
  },
  methods: {
    async load() {
      await this.busy("loading", async () => {
        const [c, events] = await Promise.all([
          Platform.api.get("/api/dispute-cases/" + this.id + "/"),
          Platform.api.get("/api/dispute-cases/" + this.id + "/events/"),
        ]);
        this.c = c;
        this.events = events.slice().reverse();
      }, (e) => (this.failed = e.message));
    },
    stateType(state) {
      return STATE_TYPES[state] || "info";
    },
    actionType(action) {
      return ACTION_TYPES[action] || "primary";
    },
    contact(row, field) {
      if (this.revealed) {
        const found = this.revealed.find((p) => p.id === row.id);
        if (found) return found[field] || "未登记";
      }
      return row[field + "_masked"] || "未登记";
    },
    async reveal() {
      await this.busy("revealing", async () => {
        this.revealed = await Platform.api.post("/api/dispute-cases/" + this.id + "/reveal/");
        ElementPlus.ElMessage({ type: "success", message: "已显示完整联系方式，本次查看已记录。" });
      });
    },
    openAction(a) {
      const form = { note: "" };
      if (a.action === "classify") Object.assign(form, { category: this.c.category, urgency: this.c.urgency });
      if (a.action === "resolve") {
        Object.assign(form, { terms: "", performance: "", mediators: this.me.display_name || "", signed_on: null,
                              confirmed_parties: (this.c.parties || []).map((p) => p.id) });
      }
      if (a.action === "mark-unresolved") Object.assign(form, { reason: "" });
      if (a.action === "refer") Object.assign(form, { kind: "department", target: "" });
      this.dialog = { visible: true, action: a.action, title: a.label, form, saving: false, followUp: null };
    },
    openFollowUp(row) {
      this.dialog = {
        visible: true, action: "follow-up", title: "记录第" + row.sequence + "次回访", saving: false, followUp: row,
        form: { method: "visit", satisfaction: "satisfied", agreement_performed: true, note: "" },
      };
    },
    async submitAction() {
      const d = this.dialog;
      const body = Object.assign({}, d.form);
      if (body.signed_on === null) delete body.signed_on;
      // a refusal (e.g. the allowed next states) is shown by the API client
      await Platform.busy(d, "saving", async () => {
        if (d.action === "follow-up") {
          await Platform.api.post("/api/follow-ups/" + d.followUp.id + "/record/", body);
        } else {
          await Platform.api.post("/api/dispute-cases/" + this.id + "/" + d.action + "/", body);
        }
        d.visible = false;
        ElementPlus.ElMessage({ type: "success", message: d.title + "：已完成" });
        await this.load();
      });
    },
    printAgreement() {
      window.open("/mediation/cases/" + this.id + "/agreement/", "_blank");
    },
    back() {
      this.go("/mediation/");
    },
  },
});
