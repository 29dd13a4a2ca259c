/* 街道(镇)：GET /api/towns/；区级管理员新增、编辑、归档、恢复（POST/PATCH/DELETE /api/towns/、…/restore/）。 */
Platform.page({
  mixins: [
    Platform.listMixin({
      url: "/api/towns/",
      filters: { q: "", archived: "" },
      detail: (row) => "/zones/?town=" + row.id,
    }),
  ],
  data() {
    return {
      counts: {}, countsLoaded: false, canWrite: false, formOpen: false, editing: null,
      townFields: [
        { name: "name", label: "名称", type: "text", required: true, maxlength: 50, placeholder: "如：明水街道" },
        { name: "code", label: "区划代码", type: "text", maxlength: 20, placeholder: "如：370181001", help: "统计用区划代码，可不填。" },
      ],
    };
  },
  computed: {
    showArchived: {
      get() { return this.filters.archived === "true"; },
      set(value) { this.filters.archived = value ? "true" : ""; this.search(); },
    },
  },
  async mounted() {
    this.canWrite = (await Platform.writableMap(["town"])).town;
    try {
      const nodes = await Platform.api.get("/api/tree/", { level: "town" });
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
    add() {
      this.editing = null;
      this.formOpen = true;
    },
    edit(row) {
      this.editing = row;
      this.formOpen = true;
    },
    async archive(row) {
      if (await Platform.archiveRecord("/api/towns/" + row.id + "/", row.name)) this.load();
    },
    async restore(row) {
      if (await Platform.restoreRecord("/api/towns/" + row.id + "/", row.name)) this.load();
    },
  },
});
