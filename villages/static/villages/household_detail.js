/* 户详情：GET /api/households/<id>/、联户党员、变更记录；完整电话经 POST reveal 查看并留痕。 */
Platform.page({
  data() {
    return {
      id: Platform.pageData.id,
      h: {},
      member: null,
      loading: true,
      failed: "",
      phone: "",
      revealing: false,
      writable: {},
      formOpen: false,
      historyKey: 0,
      colorHints: {
        green: "家庭情况稳定，常规走访",
        yellow: "存在一般困难或隐患，需要关注",
        orange: "困难较多或存在矛盾，重点走访",
        red: "急难愁盼或重大风险，及时跟进",
      },
    };
  },
  async created() {
    this.writable = await Platform.writableMap(["household"]);
  },
  async mounted() {
    await this.busy("loading", async () => {
      this.h = await Platform.api.get("/api/households/" + this.id + "/");
      if (this.h.member) {
        this.member = await Platform.api.get("/api/members/" + this.h.member + "/", null, { quiet: true }).catch(() => ({
          id: this.h.member, name: this.h.member_name, branch_name: "—", phone_masked: "", link_count: "—", duties: [],
        }));
      }
    }, (e) => (this.failed = e.message));
  },
  methods: {
    async reload() {
      this.h = await Platform.api.get("/api/households/" + this.id + "/");
      this.historyKey += 1; // the history shows the change just made
    },
    async archive() {
      if (await Platform.archiveRecord("/api/households/" + this.id + "/", this.h.head_name + "户")) this.reload();
    },
    async restore() {
      if (await Platform.restoreRecord("/api/households/" + this.id + "/", this.h.head_name + "户")) this.reload();
    },
    async reveal() {
      await this.busy("revealing", async () => {
        const data = await Platform.api.post("/api/households/" + this.id + "/reveal/");
        this.phone = data.phone || "未登记";
        ElementPlus.ElMessage({ type: "success", message: "已显示完整号码，本次查看已记录。" });
      });
    },
    back() {
      this.backTo("/households/");
    },
  },
});
