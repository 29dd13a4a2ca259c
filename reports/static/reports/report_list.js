/* 工作报告列表：GET /api/reports/；打开（新建）：POST /api/reports/ {kind, node, period}。 */
(function () {
  "use strict";

  function lastMonth() {
    const d = new Date();
    d.setDate(0);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
  }

  Platform.page({
    data() {
      const params = new URLSearchParams(window.location.search);
      return {
        choices: Platform.choices,
        filters: { kind: params.get("kind") || "", state: "" },
        rows: [], count: 0, page: 1, pageSize: 20, loading: false,
        canOpen: false, openDialog: false, saving: false, nodes: [], errors: {},
        form: { kind: params.get("kind") || "zone_monthly", node: null, period: params.get("period") || lastMonth() },
      };
    },
    computed: {
      isTown() {
        return this.form.kind === "town_yearly";
      },
      isMonthly() {
        return this.form.kind === "zone_monthly";
      },
    },
    watch: {
      "form.kind"(kind, before) {
        if ((kind === "zone_monthly") !== (before === "zone_monthly")) {
          const year = String(new Date().getFullYear() - (kind === "zone_monthly" ? 0 : 1));
          this.form.period = kind === "zone_monthly" ? lastMonth() : year;
        }
      },
    },
    async mounted() {
      const writable = await Platform.writableMap(["report"]);
      this.canOpen = writable.report;
      this.load();
      if (this.canOpen) this.loadNodes();
    },
    methods: {
      async load() {
        await Platform.busy(this, "loading", async () => {
          const page = await Platform.api.get("/api/reports/", Object.assign({ page: this.page, page_size: this.pageSize }, this.filters));
          this.rows = page.results;
          this.count = page.count;
        });
      },
      reload() {
        this.page = 1;
        this.load();
      },
      async loadNodes() {
        const rows = await Platform.api.all(this.isTown ? "/api/towns/" : "/api/zones/", {}, 500);
        this.nodes = rows;
        if (rows.length === 1) this.form.node = rows[0].id;
      },
      go(row) {
        window.location.href = "/reports/" + row.id + "/";
      },
      late(row) {
        return (row.state === "draft" || row.state === "returned") && row.due_on < new Date().toISOString().slice(0, 10);
      },
      stateType(state) {
        return { draft: "info", submitted: "warning", returned: "danger", approved: "success" }[state] || "info";
      },
      async openReport() {
        this.errors = {};
        this.saving = true;
        try {
          const report = await Platform.api.post("/api/reports/", { kind: this.form.kind, node: this.form.node, period: this.form.period }, { quiet: true });
          window.location.href = "/reports/" + report.id + "/";
        } catch (e) {
          if (e.status === 400 && e.data) {
            const { byField, rest } = Platform.splitErrors(e.data, [{ name: "kind", label: "报告类型" }, { name: "node", label: "节点" }, { name: "period", label: "统计期" }]);
            this.errors = Object.fromEntries(Object.entries(byField).map(([k, v]) => [k, Platform.fieldMessages(v, "")]));
            if (rest.length) Platform.showError({ messages: rest });
          } else {
            Platform.showError(e);
          }
        } finally {
          this.saving = false;
        }
      },
    },
  });
})();
