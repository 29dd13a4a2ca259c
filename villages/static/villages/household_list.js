/* 户列表：GET /api/households/（分页、筛选、排序），筛选条件同步到地址栏。 */
Platform.page({
  mixins: [
    Platform.listMixin({
      url: "/api/households/",
      export: true, // 导出 Excel: GET /api/households/export/ with the same filters
      filters: { q: "", zone: null, village: null, grid: null, color: [], tag: null, linked: null, archived: "" },
      numeric: ["zone", "village", "grid"],
      detail: (row) => "/households/" + row.id + "/",
    }),
  ],
  data() {
    return { zones: [], villages: [], villagesLoading: false, grids: [], writable: {}, formOpen: false, editing: null };
  },
  async created() {
    this.writable = await Platform.writableMap(["household"]);
  },
  mounted() {
    this.loadZones();
    this.loadVillages();
    if (this.filters.village) this.loadGrids();
  },
  methods: {
    createHousehold() {
      this.editing = null;
      this.formOpen = true;
    },
    async editHousehold(row) {
      this.editing = await Platform.api.get("/api/households/" + row.id + "/"); // with its people
      this.formOpen = true;
    },
    async archiveHousehold(row) {
      if (await Platform.archiveRecord("/api/households/" + row.id + "/", row.head_name + "户")) this.load();
    },
    async restoreHousehold(row) {
      if (await Platform.restoreRecord("/api/households/" + row.id + "/", row.head_name + "户")) this.load();
    },
    /** A due date before today (local): shown in red with “逾期”. */
    isOverdue(date) {
      return !!date && date < Platform.formatDate(new Date());
    },
    async loadZones() {
      this.zones = await Platform.api.all("/api/zones/").catch(() => []);
    },
    async loadVillages() {
      this.villagesLoading = true;
      try {
        this.villages = await Platform.api.all("/api/villages/", { zone: this.filters.zone });
      } catch (e) {
        this.villages = [];
      } finally {
        this.villagesLoading = false;
      }
    },
    async loadGrids() {
      this.grids = this.filters.village ? await Platform.api.all("/api/grids/", { village: this.filters.village }).catch(() => []) : [];
    },
    onReset() {
      this.grids = [];
      this.loadVillages();
    },
    onZoneChange() {
      this.filters.village = null;
      this.filters.grid = null;
      this.grids = [];
      this.loadVillages();
      this.search();
    },
    onVillageChange() {
      this.filters.grid = null;
      this.loadGrids();
      this.search();
    },
  },
});
