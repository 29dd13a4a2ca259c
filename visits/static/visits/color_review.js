/* 四色调整审核：GET /api/color-changes/suggestions/；POST …/accept-suggestion/、…/reject-suggestion/（理由必填）；
 * 调整记录 GET /api/color-changes/（导出 …/export/）；审核记录 GET /api/color-suggestion-reviews/。 */
const PAGE_SIZE = 20;

Platform.page({
  mixins: [Platform.listMixin({ url: "/api/color-changes/", filters: { to_color: null, source: null }, export: true })],
  data() {
    return {
      tab: "suggestions",
      suggestions: [], suggestionsTotal: 0, suggestionsLoading: false, suggestionPage: 1, suggestionPageSize: PAGE_SIZE,
      accepting: null,
      reviews: [], reviewsLoading: false, reviewsExporting: false,
      reject: { open: false, row: null, reason: "", error: "", saving: false },
    };
  },
  computed: {
    canReject() {
      return (this.me.assignments || []).some((a) => a.role !== "grid_member" && a.role !== "api_consumer");
    },
  },
  watch: {
    tab(value) {
      if (value === "reviews") this.loadReviews();
    },
  },
  mounted() {
    this.loadSuggestions();
  },
  methods: {
    colorLabel(color) {
      const c = (Platform.choices.color || []).find((x) => x.value === color);
      return c ? c.label : color;
    },
    async loadSuggestions() {
      await this.busy("suggestionsLoading", async () => {
        const data = await Platform.api.get("/api/color-changes/suggestions/", { page: this.suggestionPage, page_size: PAGE_SIZE });
        this.suggestions = data.results;
        this.suggestionsTotal = data.count;
      }, () => (this.suggestions = []));
    },
    async loadReviews() {
      await this.busy("reviewsLoading", async () => {
        this.reviews = (await Platform.api.get("/api/color-suggestion-reviews/", { page_size: 50 })).results;
      }, () => (this.reviews = []));
    },
    async exportReviews() {
      await this.busy("reviewsExporting", () => Platform.download("/api/color-suggestion-reviews/export/", {}));
    },
    async accept(s) {
      this.accepting = s.household;
      try {
        await Platform.api.post("/api/color-changes/accept-suggestion/", { household: s.household });
        ElementPlus.ElMessage({ type: "success", message: s.head_name + "户已调为" + this.colorLabel(s.suggested_color) + "，已重新安排走访日期。" });
        await Promise.all([this.loadSuggestions(), this.load()]);
      } catch (e) {
        /* the API client shows why */
      } finally {
        this.accepting = null;
      }
    },
    openReject(s) {
      this.reject = { open: true, row: s, reason: "", error: "", saving: false };
    },
    async submitReject() {
      const r = this.reject;
      r.error = "";
      r.saving = true;
      try {
        await Platform.api.post("/api/color-changes/reject-suggestion/", { household: r.row.household, reason: r.reason }, { quiet: true });
        r.open = false;
        ElementPlus.ElMessage({ type: "success", message: "已记录不采纳及理由。" });
        await this.loadSuggestions();
      } catch (e) {
        if (e.status === 400 && e.data && e.data.reason) r.error = Platform.fieldMessages(e.data.reason, "理由");
        else ElementPlus.ElMessage({ type: "error", message: (e.messages || ["操作失败。"]).join("；") });
      } finally {
        r.saving = false;
      }
    },
  },
});
