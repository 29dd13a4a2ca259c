/* 需跟进事项：GET /api/visits/?follow_up_open=true（本人管辖范围内），POST /api/visits/<id>/follow-up-done/ 办结；
 * 导出 GET /api/visits/export/ 同样的筛选。 */
Platform.page({
  mixins: [Platform.listMixin({ url: "/api/visits/", filters: { follow_up_open: "true", mine: "", village: null, grid: null }, numeric: ["village", "grid"], export: true })],
  data() {
    return { done: { open: false, row: null, result: "", error: "", saving: false } };
  },
  computed: {
    mineOnly: {
      get() { return this.filters.mine === "true"; },
      set(value) { this.filters.mine = value ? "true" : ""; },
    },
    canHandle() {
      return (this.me.writable || []).includes("visit");
    },
  },
  methods: {
    onMine() {
      this.search();
    },
    openDone(v) {
      this.done = { open: true, row: v, result: "", error: "", saving: false };
    },
    async submitDone() {
      const d = this.done;
      d.error = "";
      if (!d.result.trim()) {
        d.error = "请填写跟进结果。"; // the API refuses it too (400 naming 跟进结果)
        return;
      }
      d.saving = true;
      try {
        await Platform.api.post("/api/visits/" + d.row.id + "/follow-up-done/", { result: d.result }, { quiet: true });
        d.open = false;
        ElementPlus.ElMessage({ type: "success", message: "已办结：" + d.row.household_name + "户的跟进事项。" });
        await this.load();
      } catch (e) {
        if (e.status === 400 && e.data && e.data.result) d.error = Platform.fieldMessages(e.data.result, "跟进结果");
        else ElementPlus.ElMessage({ type: "error", message: (e.messages || ["操作失败。"]).join("；") });
      } finally {
        d.saving = false;
      }
    },
  },
});
