/* 工作区列表：GET /api/zones/；各区的村数、户数、红橙户数来自 GET /api/tree/?level=zone。
   新增、编辑、归档、恢复（POST/PATCH/DELETE /api/zones/、…/restore/）：按钮只给可写的用户。 */
Platform.page({
  mixins: [
    Platform.listMixin({
      url: "/api/zones/",
      filters: { q: "", town: null, archived: "" },
      numeric: ["town"],
      detail: (row) => "/zones/" + row.id + "/",
    }),
  ],
  data() {
    return {
      towns: [], counts: {}, countsLoaded: false,
      canWrite: false, canCreate: false, formOpen: false, editing: null,
    };
  },
  computed: {
    showArchived: {
      get() { return this.filters.archived === "true"; },
      set(value) { this.filters.archived = value ? "true" : ""; this.search(); },
    },
    zoneFields() {
      return [
        { name: "town", label: "街道(镇)", type: "select", required: true, readonlyOnEdit: true,
          options: this.towns.map((t) => ({ value: t.id, label: t.name })),
          help: "创建后如需改到其他街道(镇)，由区级管理员在“区划调整”中迁移。" },
        { name: "name", label: "名称", type: "text", required: true, maxlength: 50, placeholder: "如：闫满党建工作区" },
        { name: "brand", label: "党建品牌", type: "text", maxlength: 50, placeholder: "如：幸福闫满" },
      ];
    },
    newInitial() {
      return { town: this.filters.town || (this.towns.length === 1 ? this.towns[0].id : null), name: "", brand: "" };
    },
  },
  async mounted() {
    const [towns, who, writable] = await Promise.all([
      Platform.api.all("/api/towns/").catch(() => []),
      Platform.me(),
      Platform.writableMap(["workzone"]),
    ]);
    this.towns = towns;
    this.canWrite = writable.workzone;
    // a new zone sits in a town: only the district or a town's staff may add one (a zone's committee edits its own)
    this.canCreate = writable.workzone && (who.assignments || []).some(
      (a) => (a.role === "district_admin" || a.role === "town_staff") && (a.level === null || a.level === "town"));
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
    add() {
      this.editing = null;
      this.formOpen = true;
    },
    edit(row) {
      this.editing = row;
      this.formOpen = true;
    },
    async archive(row) {
      if (await Platform.archiveRecord("/api/zones/" + row.id + "/", row.name)) this.load();
    },
    async restore(row) {
      if (await Platform.restoreRecord("/api/zones/" + row.id + "/", row.name)) this.load();
    },
  },
});
