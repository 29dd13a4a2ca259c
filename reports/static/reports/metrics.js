/* 指标查询：GET /api/metrics/（定义）、/api/metrics/values/（值）与 …/export/（Excel）。节点选项来自按范围限定的
   /api/towns/、/api/zones/、/api/villages/。 */
(function () {
  "use strict";

  const LEVEL_LABELS = { district: "全区", town: "街道(镇)", zone: "工作区", village: "村/社区" };
  const NODE_URLS = { town: "/api/towns/", zone: "/api/zones/", village: "/api/villages/" };
  const DEFAULT_CODES = ["visits.people_served", "visits.coverage", "visits.overdue", "mediation.received",
    "mediation.on_the_spot", "mediation.share_in_village", "members.link_coverage"];

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  Platform.page({
    mixins: [Platform.chartMixin()],
    data() {
      const now = new Date();
      const levels = Platform.pageData.levels || [];
      return {
        levels,
        level: levels.includes("zone") ? "zone" : levels[0] || "village",
        nodeOptions: [],
        nodes: [],
        definitions: [],
        codes: DEFAULT_CODES.slice(),
        periodKind: "year",
        year: String(now.getFullYear()),
        quarter: Math.floor(now.getMonth() / 3) + 1,
        month: now.getFullYear() + "-" + pad(now.getMonth() + 1),
        range: null,
        compare: false,
        answer: null,
        chartCode: null,
        loading: false,
      };
    },
    computed: {
      groups() {
        const groups = [];
        for (const m of this.definitions) {
          let g = groups.find((x) => x.name === m.group);
          if (!g) groups.push((g = { name: m.group, metrics: [] }));
          g.metrics.push(m);
        }
        return groups;
      },
      chosen() {
        const byCode = Object.fromEntries(this.definitions.map((m) => [m.code, m]));
        return this.codes.map((c) => byCode[c]).filter(Boolean);
      },
      period() {
        if (this.periodKind === "year") return this.year;
        if (this.periodKind === "quarter") return this.year + "-Q" + this.quarter;
        if (this.periodKind === "month") return this.month;
        return this.range ? this.range[0] + ".." + this.range[1] : "";
      },
      nodeParam() {
        if (this.level === "district") return "district";
        return this.nodes.map((id) => this.level + ":" + id).join(",");
      },
      tableRows() {
        if (!this.answer) return [];
        const rows = [];
        const byNode = {};
        for (const v of this.answer.values) {
          if (!byNode[v.node]) rows.push((byNode[v.node] = { node: v.node, name: v.node_name, values: {}, previous: {} }));
          byNode[v.node].values[v.code] = v.value;
          byNode[v.node].previous[v.code] = v.previous;
        }
        return rows;
      },
    },
    async mounted() {
      const [definitions] = await Promise.all([Platform.api.get("/api/metrics/"), this.loadNodes()]);
      this.definitions = definitions;
      this.codes = this.codes.filter((c) => definitions.some((m) => m.code === c));
      if (this.level === "district" || this.nodes.length) this.load();
    },
    methods: {
      levelLabel(level) {
        return LEVEL_LABELS[level] || level;
      },
      async loadNodes() {
        this.nodeOptions = [];
        this.nodes = [];
        if (this.level === "district") return;
        const rows = await Platform.api.all(NODE_URLS[this.level], {}, 500);
        this.nodeOptions = rows.map((r) => ({
          id: r.id,
          label: r.name + (r.town_name && this.level === "zone" ? "（" + r.town_name + "）" : r.zone_name ? "（" + r.zone_name + "）" : ""),
        }));
        this.nodes = this.nodeOptions.slice(0, 20).map((n) => n.id);
      },
      async levelChanged() {
        this.answer = null;
        await this.loadNodes();
      },
      params() {
        return { node: this.nodeParam, period: this.period, codes: this.codes.join(","), compare: this.compare ? "true" : undefined };
      },
      async load() {
        if (!this.nodeParam) {
          Platform.showError({ messages: ["请至少选择一个节点。"] });
          return;
        }
        if (!this.codes.length) {
          Platform.showError({ messages: ["请至少选择一个指标。"] });
          return;
        }
        await Platform.busy(this, "loading", async () => {
          this.answer = await Platform.api.get("/api/metrics/values/", this.params());
          if (!this.codes.includes(this.chartCode)) this.chartCode = this.codes[0];
          this.$nextTick(() => this.draw());
        });
      },
      show(value, metric) {
        if (value === null || value === undefined) return "—";
        if (metric.unit === "%") return value.toFixed(1) + "%";
        if (metric.unit === "天") return value.toFixed(1);
        return Platform.formatNumber(value);
      },
      draw() {
        if (!this.answer || !this.$refs.chart) return;
        const metric = this.chosen.find((m) => m.code === this.chartCode);
        if (!metric) return;
        const rows = this.tableRows;
        const series = [{ name: this.answer.period_label, type: "bar", data: rows.map((r) => r.values[metric.code]), itemStyle: { color: "#b71c1c" } }];
        if (this.compare) series.push({ name: "上年同期", type: "bar", data: rows.map((r) => r.previous[metric.code]), itemStyle: { color: "#8d6e63" } });
        this.chart("chart").setOption({
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          grid: { left: 48, right: 16, top: 36, bottom: 80 },
          xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { rotate: rows.length > 6 ? 35 : 0, fontSize: 13 } },
          yAxis: { type: "value", name: metric.unit },
          series,
        }, true);
      },
      exportXlsx() {
        Platform.download("/api/metrics/values/export/", this.params());
      },
    },
  });
})();
