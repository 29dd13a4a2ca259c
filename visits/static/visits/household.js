/* 走访档案：GET /api/visits/due/ 的户信息来自 /api/households/<id>/（或本页的走访接口），走访记录、颜色变更历史。 */
Platform.page({
  components: VisitsUi.components,
  data() {
    return {
      id: Platform.pageData.id, h: {}, visits: [], changes: [], policy: null, loading: true,
      sheetOpen: false, colorOpen: false, editing: null, caseOpen: false, raising: null,
    };
  },
  computed: {
    canRaise() {
      return (this.me.writable || []).includes("visit");
    },
    overdue() {
      return Boolean(this.h.next_visit_due) && this.h.next_visit_due < VisitsUi.today();
    },
  },
  watch: {
    sheetOpen(open) { if (!open) this.editing = null; },
  },
  mounted() {
    this.reload();
  },
  methods: {
    async reload() {
      await this.busy("loading", async () => {
        const [h, visits, changes, policy] = await Promise.all([
          Platform.api.get("/api/households/" + this.id + "/"),
          Platform.api.all("/api/visits/", { household: this.id }, 500),
          Platform.api.all("/api/color-changes/", { household: this.id }, 500),
          Platform.api.get("/api/visit-policies/effective/", { household: this.id }, { quiet: true }).catch(() => null),
        ]);
        Object.assign(this, { h, visits, changes, policy });
      });
    },
    raise(visit) {
      this.raising = visit;
      this.caseOpen = true;
    },
    correct(visit) {
      this.editing = visit;
      this.sheetOpen = true;
    },
  },
});
