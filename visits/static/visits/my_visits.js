/* 我的走访：GET /api/visits/due/?mine=true（逾期 + N 天内到期），一键 POST /api/visits/，详细登记与补充（PATCH）。 */
const WINDOW_DAYS = 7;

Platform.page({
  components: VisitsUi.components,
  data() {
    return {
      today: VisitsUi.today(),
      windowDays: WINDOW_DAYS,
      tab: "overdue",
      rows: [],
      loading: true,
      quick: null,
      onlyMine: true,
      visitedToday: 0,
      unread: 0,
      followUps: 0,
      sheetOpen: false,
      sheetHousehold: null,
      sheetVisit: null,
    };
  },
  computed: {
    overdueRows() { return this.rows.filter((h) => h.is_overdue); },
    dueRows() {
      const limit = this.addDays(this.today, WINDOW_DAYS);
      return this.rows.filter((h) => !h.is_overdue && h.next_visit_due <= limit);
    },
    shown() {
      if (this.tab === "overdue") return this.overdueRows;
      if (this.tab === "due") return this.dueRows;
      return this.rows;
    },
    canSeeMore() {
      return (this.me.assignments || []).some((a) => a.role !== "grid_member");
    },
    emptyText() {
      return this.tab === "overdue" ? "没有逾期的户，继续保持！" : this.tab === "due" ? "近期没有到期的户" : "暂无联系的户";
    },
  },
  watch: {
    tab(value, old) {
      if (value === "all" || old === "all") this.load(); // the full list needs the wider window
    },
  },
  mounted() {
    this.load();
  },
  methods: {
    addDays(day, n) {
      const d = new Date(day + "T00:00:00");
      d.setDate(d.getDate() + n);
      return Platform.formatDate(d);
    },
    dueText(day) {
      if (day === this.today) return "今天到期";
      const diff = Math.round((new Date(day + "T00:00:00") - new Date(this.today + "T00:00:00")) / 86400000);
      return diff + " 天后到期";
    },
    async load() {
      await this.busy("loading", async () => {
        const params = { within_days: this.tab === "all" ? 366 : WINDOW_DAYS, page_size: 200 };
        if (this.onlyMine) params.mine = "true";
        this.rows = await Platform.api.all("/api/visits/due/", params, 1000);
        const [mine, inbox, followUps] = await Promise.all([
          Platform.api.get("/api/visits/", { mine: "true", visited_from: this.today, page_size: 1 }, { quiet: true }),
          Platform.api.get("/api/notifications/unread-count/", null, { quiet: true }),
          Platform.api.get("/api/visits/", { mine: "true", follow_up_open: "true", page_size: 1 }, { quiet: true }),
        ]);
        this.visitedToday = mine.count;
        this.unread = inbox.unread;
        this.followUps = followUps.count;
      }, () => (this.rows = []));
    },
    async quickLog(h) {
      this.quick = h.id;
      try {
        const visit = await Platform.api.post("/api/visits/", { household: h.id, visited_on: this.today, method: "in_person" });
        this.toast(h, visit);
        await this.load();
      } catch (e) {
        /* the API client shows why */
      } finally {
        this.quick = null;
      }
    },
    toast(h, visit) {
      const { h: render } = Vue;
      const vm = this;
      const message = ElementPlus.ElMessage({
        type: "success",
        duration: 5000,
        showClose: true,
        message: render("span", [
          "已登记 " + h.head_name + " 户的走访。 ",
          render("a", { href: "#", style: "margin-left:6px", onClick(e) { e.preventDefault(); message.close(); vm.openSheet(h, visit); } }, "补充内容"),
        ]),
      });
    },
    openSheet(h, visit) {
      this.sheetHousehold = h;
      this.sheetVisit = visit || null;
      this.sheetOpen = true;
    },
    async onSaved() {
      ElementPlus.ElMessage({ type: "success", message: "走访已保存。" });
      await this.load();
    },
  },
});
