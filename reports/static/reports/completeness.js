/* 报送情况：GET /api/reports/completeness/?kind=&period=（各街道应报、已报、按时、已审核）。 */
(function () {
  "use strict";

  function lastMonth() {
    const d = new Date();
    d.setDate(0);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
  }

  Platform.page({
    data() {
      return { choices: Platform.choices, kind: "zone_monthly", period: lastMonth(), rows: [], total: null, loading: false };
    },
    mounted() {
      this.load();
    },
    methods: {
      pct(v) {
        return v === null || v === undefined ? "—" : v.toFixed(1) + "%";
      },
      kindChanged() {
        this.period = this.kind === "zone_monthly" ? lastMonth() : String(new Date().getFullYear() - 1);
        this.load();
      },
      async load() {
        await Platform.busy(this, "loading", async () => {
          const answer = await Platform.api.get("/api/reports/completeness/", { kind: this.kind, period: this.period });
          this.rows = answer.rows;
          this.total = answer.total;
        });
      },
      summary() {
        const t = this.total;
        if (!t) return [];
        return ["合计", t.expected, t.submitted, this.pct(t.submitted_rate), t.on_time, this.pct(t.on_time_rate), t.approved, this.pct(t.approved_rate)];
      },
    },
  });
})();
