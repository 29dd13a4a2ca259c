/* 走访看板：GET /api/visits/dashboard/?zone|town（指标登记表的数字及口径：四色分布、各村逾期与覆盖率；覆盖率趋势）。 */
Platform.page({
  mixins: [Platform.chartMixin()],
  data() {
    const zones = Platform.pageData.zones || [];
    const towns = Platform.pageData.towns || [];
    const params = new URLSearchParams(window.location.search);
    return {
      zones, towns,
      exporting: false,
      zone: Number(params.get("zone")) || (zones.length === 1 ? zones[0].id : null),
      town: Number(params.get("town")) || (towns.length === 1 ? towns[0].id : null),
      d: { color_mix: [], overdue_by_village: [], coverage_trend: [], definitions: [] },
      loading: true,
    };
  },
  computed: {
    zoneOptions() {
      return this.town ? this.zones.filter((z) => z.town_id === this.town) : this.zones;
    },
    scopeName() {
      const zone = this.zones.find((z) => z.id === this.zone);
      if (zone) return zone.name;
      const town = this.towns.find((t) => t.id === this.town);
      return town ? town.name : "全部";
    },
    redOverdue() {
      const red = this.d.color_mix.find((c) => c.color === "red");
      return red ? red.overdue : 0;
    },
    villageRows() {
      return this.d.overdue_by_village;
    },
    /** {key: "名称：口径"} of each number (the registry's definitions, shown beside it). */
    defs() {
      return Object.fromEntries((this.d.definitions || []).map((x) => [x.key, x.definition]));
    },
    colorDefs() {
      return (this.d.definitions || []).filter((x) => x.key.startsWith("color_")).map((x) => x.definition).join("；");
    },
  },
  mounted() {
    this.load();
  },
  methods: {
    /** 本月（1日至今）所选范围内的走访记录（GET /api/visits/export/，超过导出上限时提示缩小范围）. */
    async exportVisits() {
      const now = new Date();
      const first = Platform.formatDate(new Date(now.getFullYear(), now.getMonth(), 1));
      await this.busy("exporting", () => Platform.download("/api/visits/export/", Object.assign({ visited_from: first }, this.params())));
    },
    /** The dashboard's figures as an xlsx (GET /api/visits/dashboard/export/ with the same scope). */
    async exportDashboard() {
      await this.busy("exporting", () => Platform.download("/api/visits/dashboard/export/", this.params()));
    },
    params() {
      if (this.zone) return { zone: this.zone };
      if (this.town) return { town: this.town };
      return {};
    },
    async load() {
      const query = new URLSearchParams(this.params()).toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
      await this.busy("loading", async () => {
        this.d = await Platform.api.get("/api/visits/dashboard/", this.params());
        await this.$nextTick();
        this.draw();
      });
    },
    draw() {
      const C = Platform.COLORS;
      this.chart("mix").setOption({
        tooltip: { trigger: "item", formatter: "{b}：{c} 户（{d}%）" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}" },
          data: this.d.color_mix.map((c) => ({ name: c.label, value: c.households, itemStyle: { color: C[c.color].color } })),
        }],
      }, true);
      const top = this.d.overdue_by_village.slice(0, 15);
      this.chart("villages").setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 48, right: 16, bottom: 60, top: 36 },
        xAxis: { type: "category", data: top.map((v) => v.name), axisLabel: { rotate: top.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1, name: "户" },
        series: [
          { type: "bar", stack: "o", name: "红色户逾期", data: top.map((v) => v.overdue_red), itemStyle: { color: C.red.color } },
          { type: "bar", stack: "o", name: "其他逾期", data: top.map((v) => v.overdue - v.overdue_red), itemStyle: { color: C.orange.color } },
        ],
      }, true);
      const trend = this.d.coverage_trend;
      this.chart("trend").setOption({
        tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? "—" : v + "%") },
        grid: { left: 48, right: 24, bottom: 30, top: 20 },
        xAxis: { type: "category", data: trend.map((p) => p.date) },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [{
          type: "line", name: "覆盖率", smooth: true, symbolSize: 7,
          data: trend.map((p) => (p.rate === null ? null : Math.round(p.rate * 1000) / 10)),
          itemStyle: { color: "#c8161e" }, areaStyle: { opacity: 0.08 },
        }],
      }, true);
    },
  },
});
