/* 首页：管辖范围与实时统计（GET /api/me/、GET /api/overview/：指标登记表的数字及口径），导出统计表（GET /api/overview/export/）。 */
Platform.page({
  mixins: [Platform.chartMixin()],
  data() {
    return {
      loading: true,
      exporting: false,
      counts: { households_by_color: {} },
      stats: [
        { key: "zones", label: "党建工作区", icon: "OfficeBuilding", href: "/zones/", bg: "#fdecec", fg: "#c8161e" },
        { key: "villages", label: "村/社区", icon: "School", href: "/tree/", bg: "#fff4e5", fg: "#e86f12" },
        { key: "grids", label: "微网格", icon: "Grid", href: "/tree/", bg: "#e8f3ff", fg: "#1677ff" },
        { key: "households", label: "户", icon: "House", href: "/households/", bg: "#e8f6ee", fg: "#2e9d57" },
        { key: "members", label: "在册党员", icon: "User", href: "/members/", bg: "#f2ebff", fg: "#7245d1" },
        { key: "unlinked_households", label: "未联户", icon: "WarningFilled", href: "/households/?linked=false", bg: "#fff4e5", fg: "#e86f12", warn: true },
      ],
    };
  },
  computed: {
    colorRows() {
      const total = this.counts.households || 0;
      return (Platform.choices.color || []).map((c) => {
        const count = (this.counts.households_by_color || {})[c.value] || 0;
        return { value: c.value, label: c.label, count, share: total ? ((count * 100) / total).toFixed(1) + "%" : "—" };
      });
    },
    /** The registry's link coverage (members.link_coverage, per cent), not recomputed here. */
    coverage() {
      const value = this.counts.link_coverage;
      return value === null || value === undefined ? "—" : Number(value).toFixed(1) + "%";
    },
    /** {key: "名称：口径"} of each figure (GET /api/overview/ carries them from the registry). */
    definitions() {
      return this.counts.definitions || {};
    },
  },
  async mounted() {
    try {
      this.counts = await Platform.api.get("/api/overview/");
    } catch (e) {
      return;
    } finally {
      this.loading = false;
    }
    await this.$nextTick();
    this.drawChart();
  },
  methods: {
    async exportOverview() {
      this.exporting = true;
      try {
        if (await Platform.download("/api/overview/export/")) {
          ElementPlus.ElMessage({ type: "success", message: "已导出，导出记录已写入安全日志。" });
        }
      } finally {
        this.exporting = false;
      }
    },
    drawChart() {
      if (!this.counts.households) return;
      const data = this.colorRows.map((c) => ({
        name: c.label,
        value: c.count,
        itemStyle: { color: this.colorSpec(c.value).color },
      }));
      this.chart("colorChart").setOption({
        tooltip: { trigger: "item", formatter: "{b}：{c} 户（{d}%）" },
        legend: { bottom: 0, icon: "circle", itemGap: 24 },
        series: [
          {
            name: "四色分类",
            type: "pie",
            radius: ["45%", "70%"],
            center: ["50%", "45%"],
            avoidLabelOverlap: true,
            itemStyle: { borderColor: "#fff", borderWidth: 2 },
            label: { formatter: "{b}\n{c} 户", lineHeight: 18 },
            data,
          },
        ],
        graphic: [
          {
            type: "text",
            left: "center",
            top: "38%",
            style: { text: "总户数", fill: "#5f6570", fontSize: 13, textAlign: "center" },
          },
          {
            type: "text",
            left: "center",
            top: "44%",
            style: { text: Platform.formatNumber(this.counts.households), fill: "#1f2329", fontSize: 22, fontWeight: 600, textAlign: "center" },
          },
        ],
      });
    },
  },
});
