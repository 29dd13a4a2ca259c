/* 调解统计：GET /api/dispute-cases/statistics/?group_by&received_after&received_before（指标登记表的数字，口径随答复给出）。 */
function yearStart() {
  return new Date().getFullYear() + "-01-01";
}

function today() {
  const d = new Date();
  return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
}

const RED = "#c8161e";

Platform.page({
  mixins: [Platform.chartMixin()],
  data() {
    return { loading: false, exporting: false, range: [yearStart(), today()], groupBy: "zone", rows: [], t: { by_source: {}, by_category: {} },
             definitions: [] };
  },
  computed: {
    /** {key: "名称：口径"} of each figure (the registry's definitions, shown beside the numbers). */
    defs() {
      return Object.fromEntries(this.definitions.map((x) => [x.key, x.definition]));
    },
  },
  mounted() {
    this.load();
  },
  methods: {
    both(a, b) {
      return [this.defs[a], this.defs[b]].filter(Boolean).join("；");
    },
    days(value) {
      return value === null || value === undefined ? "—" : Number(value).toFixed(1);
    },
    params() {
      const params = { group_by: this.groupBy };
      if (this.range) Object.assign(params, { received_after: this.range[0], received_before: this.range[1] });
      return params;
    },
    /** The same figures as an xlsx (GET …/statistics/export/ with the same parameters). */
    exportStatistics() {
      return this.busy("exporting", () => Platform.download("/api/dispute-cases/statistics/export/", this.params()));
    },
    async load() {
      const params = this.params();
      await this.busy("loading", async () => {
        const data = await Platform.api.get("/api/dispute-cases/statistics/", params);
        this.rows = data.rows;
        this.t = data.total;
        this.definitions = data.definitions || [];
        await this.$nextTick();
        this.draw();
      });
    },
    draw() {
      const sources = Platform.choices.case_source || [];
      const categories = Platform.choices.case_category || [];
      this.chart("sourceChart").setOption({
        title: { text: "案件来源", left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 16, bottom: 30, top: 40 },
        xAxis: { type: "category", data: sources.map((s) => s.label) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", name: "件数", data: sources.map((s) => this.t.by_source[s.value] || 0), itemStyle: { color: RED } }],
      }, true);
      this.chart("categoryChart").setOption({
        title: { text: "纠纷类别", left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "62%"], center: ["50%", "50%"],
                   data: categories.map((c) => ({ name: c.label, value: this.t.by_category[c.value] || 0 })).filter((d) => d.value) }],
      }, true);
      const names = this.rows.map((r) => r.name);
      this.chart("groupChart").setOption({
        title: { text: "分组对比：受理、化解、上交", left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        legend: { top: 24 },
        grid: { left: 40, right: 16, bottom: 60, top: 60 },
        xAxis: { type: "category", data: names, axisLabel: { rotate: names.length > 8 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        dataZoom: names.length > 20 ? [{ type: "slider", start: 0, end: Math.round((20 * 100) / names.length) }] : [],
        series: [
          { type: "bar", name: "受理", data: this.rows.map((r) => r.received), itemStyle: { color: "#1677ff" } },
          { type: "bar", name: "化解", data: this.rows.map((r) => r.resolved), itemStyle: { color: "#2e9d57" } },
          { type: "bar", name: "上交工作区", data: this.rows.map((r) => r.escalated_to_zone), itemStyle: { color: "#e86f12" } },
          { type: "bar", name: "上交街道", data: this.rows.map((r) => r.escalated_to_town), itemStyle: { color: RED } },
        ],
      }, true);
    },
  },
});
