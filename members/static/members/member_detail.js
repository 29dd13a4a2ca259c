/* 党员详情：GET /api/members/<id>/、联系的户（/api/household-links/?member=）、变更记录；完整信息经 reveal 查看并留痕。 */
Platform.page({
  data() {
    return {
      id: Platform.pageData.id,
      linkMin: Platform.pageData.link_min,
      linkMax: Platform.pageData.link_max,
      m: {},
      loading: true,
      failed: "",
      links: [],
      linksLoading: true,
      revealed: null,
      revealing: false,
      writable: { partymember: false, householdlink: false },
      canPickUser: !!Platform.pageData.can_pick_user,
      editOpen: false,
      leaveOpen: false,
      linkBulkOpen: false,
      moveOpen: false,
      moving: null,
    };
  },
  computed: {
    memberFields() {
      return MemberForms.memberFields({ editing: true, masked: this.m.id_number_masked, canPickUser: this.canPickUser });
    },
    memberBody() {
      return MemberForms.memberBody(true);
    },
    active() {
      return !!(this.m.id && !this.m.left_on);
    },
    quotaType() {
      const n = this.links.length;
      return n < this.linkMin ? "warning" : n > this.linkMax ? "danger" : "success";
    },
    quotaText() {
      const n = this.links.length;
      if (n < this.linkMin) return "不足" + this.linkMin + "户";
      if (n > this.linkMax) return "超过" + this.linkMax + "户";
      return "符合要求";
    },
  },
  async mounted() {
    Platform.writableMap(["partymember", "householdlink"]).then((w) => (this.writable = w));
    await this.busy("loading", async () => {
      this.m = await Platform.api.get("/api/members/" + this.id + "/");
    }, (e) => (this.failed = e.message));
    await this.loadLinks();
  },
  methods: {
    async loadLinks() {
      await this.busy("linksLoading", async () => {
        this.links = await Platform.api.all("/api/household-links/", { member: this.id });
      }, () => (this.links = []));
    },
    async reloadAll() {
      this.m = await Platform.api.get("/api/members/" + this.id + "/").catch(() => this.m);
      this.revealed = null;
      await this.loadLinks();
    },
    onEdited(saved) {
      if (saved) this.m = saved;
      this.revealed = null;
    },
    moveLink(row) {
      this.moving = row;
      this.moveOpen = true;
    },
    async reveal() {
      await this.busy("revealing", async () => {
        this.revealed = await Platform.api.post("/api/members/" + this.id + "/reveal/");
        ElementPlus.ElMessage({ type: "success", message: "已显示完整信息，本次查看已记录。" });
      });
    },
    openHousehold(row) {
      this.go("/households/" + row.household + "/");
    },
    back() {
      this.backTo("/members/");
    },
  },
});
