/* 党组织列表：GET /api/branches/；新增、编辑（<record-form>），归档（DELETE，仍有在册党员时 409），恢复。 */
Platform.page({
  mixins: [
    Platform.listMixin({
      url: "/api/branches/",
      filters: { q: "", kind: null, archived: null },
      detail: () => null,
    }),
  ],
  data() {
    return { writable: { partybranch: false }, form: { open: false, record: null } };
  },
  computed: {
    fields() {
      return [
        { name: "name", label: "名称", type: "text", required: true, maxlength: 100 },
        { name: "kind", label: "类型", type: "select", choices: "branch_kind", required: true },
        { name: "town", label: "街道(镇)", type: "remote", required: true, remote: { url: "/api/towns/" },
          initialLabel: (r) => r.town_name || null },
        { name: "zone", label: "工作区", type: "remote", remote: { url: "/api/zones/", params: (f) => ({ town: f.town || undefined }) },
          initialLabel: (r) => r.zone_name || null, help: "村/社区党组织须选工作区；街道(镇)直属的可不选。" },
        { name: "village", label: "村/社区", type: "remote", remote: { url: "/api/villages/", params: (f) => ({ zone: f.zone || undefined }) },
          initialLabel: (r) => r.village_name || null, visible: (f) => !!f.zone },
      ];
    },
  },
  async mounted() {
    this.writable = await Platform.writableMap(["partybranch"]);
  },
  methods: {
    branchBody(data) {
      return Object.assign({ zone: null, village: null }, data, data.zone ? {} : { village: null });
    },
    open() {},
    newBranch() {
      this.form = { open: true, record: null };
    },
    editBranch(row) {
      this.form = { open: true, record: row };
    },
    async archiveBranch(row) {
      if (await Platform.archiveRecord("/api/branches/" + row.id + "/", row.name)) this.load();
    },
    async restoreBranch(row) {
      if (await Platform.restoreRecord("/api/branches/" + row.id + "/", row.name)) this.load();
    },
  },
});
