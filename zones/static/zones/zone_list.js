/* 工作区列表：GET /api/zones/；各区的村数、户数、红橙户数来自 GET /api/tree/?level=zone。 */
Platform.page({
  mixins: [
    Platform.listMixin({
      url: "/api/zones/",
      filters: { q: "", town: null },
      numeric: ["town"],
      detail: (row) => "/zones/" + row.id + "/",
    }),
  ],
  data() {
    return { towns: [], counts: {}, countsLoaded: false };
  },
  async mounted() {
    this.towns = await Platform.api.all("/api/towns/").catch(() => []);
    try {
      const nodes = await Platform.api.get("/api/tree/", { level: "zone" });
      this.counts = Object.fromEntries(nodes.map((n) => [n.id, n]));
    } catch (e) {
      this.counts = {};
    } finally {
      this.countsLoaded = true;
    }
  },
  methods: {
    countOf(row, key) {
      if (!this.countsLoaded) return "…";
      const node = this.counts[row.id];
      return node ? this.formatNumber(node[key]) : "0";
    },
  },
});
