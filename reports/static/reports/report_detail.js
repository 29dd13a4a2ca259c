/* 一份报告：GET/PATCH /api/reports/{id}/，POST …/submit/、return/、approve/、attachments/（multipart）。 */
(function () {
  "use strict";

  const FIELDS = ["title", "highlights", "problems", "next_steps", "typical_cases", "typical_visits"];
  const LABELS = { title: "标题", highlights: "亮点", problems: "问题", next_steps: "下步打算", typical_cases: "典型纠纷案例",
    typical_visits: "典型走访", comment: "退回意见", file: "附件", state: "状态" };

  function getCookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  Platform.page({
    data() {
      return {
        id: Platform.pageData.id, r: {}, form: {}, errors: {}, loading: true, saving: false, searching: false,
        caseOptions: [], visitOptions: [], reviewOpen: null, comment: "",
      };
    },
    computed: {
      headline() {
        return (this.r.figures || []).filter((f) => f.headline).sort((a, b) => a.headline_rank - b.headline_rank);
      },
      lastReturn() {
        return (this.r.timeline || []).filter((e) => e.action === "return").slice(-1)[0];
      },
      reviewDialog: {
        get() { return !!this.reviewOpen; },
        set(v) { if (!v) this.reviewOpen = null; },
      },
    },
    mounted() {
      this.load();
    },
    methods: {
      formatDateTime: Platform.formatDateTime,
      stateType(state) {
        return { draft: "info", submitted: "warning", returned: "danger", approved: "success" }[state] || "info";
      },
      show(value, unit) {
        if (value === null || value === undefined) return "—";
        if (unit === "%") return value.toFixed(1) + "%";
        if (unit === "天") return value.toFixed(1);
        return Platform.formatNumber(value);
      },
      take(report) {
        this.r = report;
        this.form = Object.fromEntries(FIELDS.map((f) => [f, Array.isArray(report[f]) ? report[f].slice() : report[f]]));
        this.caseOptions = (report.cases || []).map((c) => ({ id: c.id, label: c.title + "（" + c.village_name + "）" }));
        this.visitOptions = (report.visits || []).map((v) => ({ id: v.id, label: v.household + " · " + v.visited_on }));
      },
      async load() {
        await Platform.busy(this, "loading", async () => this.take(await Platform.api.get("/api/reports/" + this.id + "/")));
      },
      fail(e) {
        if (e.status === 400 && e.data && typeof e.data === "object" && !e.data.detail) {
          const known = Object.keys(LABELS).map((name) => ({ name, label: LABELS[name] }));
          const { byField, rest } = Platform.splitErrors(e.data, known);
          this.errors = Object.fromEntries(Object.entries(byField).map(([k, v]) => [k, Platform.fieldMessages(v, LABELS[k])]));
          const shown = new Set(["title", "highlights", "problems", "next_steps", "typical_cases", "typical_visits", "comment", "file"]);
          const other = Object.entries(byField).filter(([k]) => !shown.has(k)).map(([, v]) => Platform.fieldMessages(v, ""));
          if (rest.length || other.length) Platform.showError({ messages: rest.concat(other) });
        } else {
          Platform.showError(e);
        }
      },
      async run(work, done) {
        this.errors = {};
        this.saving = true;
        try {
          this.take(await work());
          if (done) ElementPlus.ElMessage({ type: "success", message: done });
          return true;
        } catch (e) {
          this.fail(e);
          return false;
        } finally {
          this.saving = false;
        }
      },
      save() {
        return this.run(() => Platform.api.patch("/api/reports/" + this.id + "/", this.form, { quiet: true }), "已保存");
      },
      async submit() {
        if (!(await this.save())) return;
        await this.run(() => Platform.api.post("/api/reports/" + this.id + "/submit/", {}, { quiet: true }), "已提交，指标已冻结");
      },
      async review() {
        const ok = await this.run(() => Platform.api.post("/api/reports/" + this.id + "/" + this.reviewOpen + "/", { comment: this.comment }, { quiet: true }),
          this.reviewOpen === "return" ? "已退回" : "已审核通过");
        if (ok) {
          this.reviewOpen = null;
          this.comment = "";
        }
      },
      async searchCases(q) {
        const params = { q: q || undefined, page_size: 30, received_after: this.r.period_start, received_before: this.r.period_end };
        params[this.r.zone ? "zone" : "town"] = this.r.zone || this.r.town;
        await Platform.busy(this, "searching", async () => {
          const page = await Platform.api.get("/api/cases/", params, { quiet: true });
          const found = page.results.map((c) => ({ id: c.id, label: c.title + "（" + (c.village_name || "") + "）" }));
          const kept = this.caseOptions.filter((o) => this.form.typical_cases.includes(o.id) && !found.some((f) => f.id === o.id));
          this.caseOptions = kept.concat(found);
        });
      },
      async searchVisits(q) {
        const params = { q: q || undefined, page_size: 30, visited_from: this.r.period_start, visited_to: this.r.period_end };
        params[this.r.zone ? "zone" : "town"] = this.r.zone || this.r.town;
        await Platform.busy(this, "searching", async () => {
          const page = await Platform.api.get("/api/visits/", params, { quiet: true });
          const found = page.results.map((v) => ({ id: v.id, label: (v.household_name || v.household) + " · " + v.visited_on + (v.concerns ? " · " + v.concerns.slice(0, 20) : "") }));
          const kept = this.visitOptions.filter((o) => this.form.typical_visits.includes(o.id) && !found.some((f) => f.id === o.id));
          this.visitOptions = kept.concat(found);
        });
      },
      async upload() {
        const input = this.$refs.file;
        if (!input.files.length) return;
        const body = new FormData();
        body.append("file", input.files[0]);
        this.errors = {};
        this.saving = true;
        try {
          const response = await fetch("/api/reports/" + this.id + "/attachments/", {
            method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": getCookie("csrftoken"), Accept: "application/json" },
          });
          const data = await response.json().catch(() => null);
          if (!response.ok) {
            this.fail(new Platform.ApiError(response.status, data, data && data.detail ? [data.detail] : ["上传失败（" + response.status + "）。"]));
            return;
          }
          ElementPlus.ElMessage({ type: "success", message: "已上传：" + data.name });
          input.value = "";
          await this.load();
        } finally {
          this.saving = false;
        }
      },
      async detach(a) {
        try {
          await Platform.api.delete(a.url);
        } catch (e) {
          return;
        }
        await this.load();
      },
    },
  });
})();
