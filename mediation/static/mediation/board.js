/* 案件看板：每个状态一列（GET /api/dispute-cases/?state=…），计数来自 GET /api/dispute-cases/summary/。 */
Platform.page({
  data() {
    const params = new URLSearchParams(window.location.search);
    return {
      loading: false,
      exporting: false,
      zones: [],
      filters: {
        q: params.get("q") || "", zone: params.get("zone") ? Number(params.get("zone")) : null, level: params.get("level") || null,
        category: params.get("category") || null, mine: params.get("mine") === "true", overdue: params.get("overdue") === "true",
      },
      summary: { by_state: {}, overdue: 0, mine: 0 },
      showClosed: params.get("closed") === "true",
      columns: [],
      perColumn: 30,
    };
  },
  computed: {
    openCount() {
      const s = this.summary.by_state || {};
      return Object.entries(s).filter(([k]) => k !== "closed").reduce((n, [, v]) => n + v, 0);
    },
  },
  created() {
    this.buildColumns();
  },
  mounted() {
    Platform.api.all("/api/zones/").then((z) => (this.zones = z)).catch(() => {});
    this.load();
  },
  methods: {
    buildColumns() {
      // the workflow's order: intake, handling, outcome, follow-up (closed cases only on request)
      const order = ["received", "classified", "escalated", "mediating", "unresolved", "resolved", "referred", "follow_up", "closed"];
      const labels = Object.fromEntries((Platform.choices.case_state || []).map((s) => [s.value, s.label]));
      this.columns = order.filter((s) => this.showClosed || s !== "closed")
        .map((s) => ({ value: s, label: labels[s] || s, rows: [], count: 0 }));
    },
    toggleClosed() {
      this.buildColumns();
      this.load();
    },
    params() {
      const f = this.filters;
      return { q: f.q, zone: f.zone, level: f.level, category: f.category, mine: f.mine ? "true" : "", overdue: f.overdue ? "true" : "" };
    },
    async load() {
      const params = this.params();
      await this.busy("loading", async () => {
        const [summary, ...pages] = await Promise.all([
          Platform.api.get("/api/dispute-cases/summary/", params),
          ...this.columns.map((col) =>
            Platform.api.get("/api/dispute-cases/", Object.assign({}, params, { state: col.value, page_size: this.perColumn, ordering: "level_deadline" }))),
        ]);
        this.summary = summary;
        this.columns.forEach((col, i) => {
          col.rows = pages[i].results;
          col.count = pages[i].count;
        });
      });
    },
    open(c) {
      this.go("/mediation/cases/" + c.id + "/");
    },
    /** The cases under the current filters (closed ones too when shown) as xlsx: GET /api/dispute-cases/export/. */
    async exportCases() {
      const params = this.params();
      if (!this.showClosed) params.state = this.columns.map((c) => c.value);
      await this.busy("exporting", async () => {
        if (await Platform.download("/api/dispute-cases/export/", params)) {
          ElementPlus.ElMessage({ type: "success", message: "已导出，导出记录已写入安全日志。" });
        }
      });
    },
    goIntake() {
      this.go("/mediation/cases/new/");
    },
  },
});
