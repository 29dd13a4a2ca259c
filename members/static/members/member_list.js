/* 党员列表：GET /api/members/（分页、筛选、排序）。 */
Platform.page({
  mixins: [
    Platform.listMixin({
      url: "/api/members/",
      export: true, // 导出 Excel: GET /api/members/export/ with the same filters
      filters: { q: "", village: null, status: null, duty: null, quota: null, is_flowing: null, branch: null, active: null },
      numeric: ["village", "branch"],
      detail: (row) => "/members/" + row.id + "/",
    }),
  ],
  data() {
    return {
      villages: [], linkMin: Platform.pageData.link_min, linkMax: Platform.pageData.link_max,
      canOpenAccounts: !!Platform.pageData.can_open_accounts,
      accounts: { visible: false, village: null, result: null, saving: false },
      writable: { partymember: false, householdlink: false, partybranch: false },
      canPickUser: !!Platform.pageData.can_pick_user,
      memberForm: { open: false, record: null },
      linkBulkOpen: false,
    };
  },
  computed: {
    memberFields() {
      const r = this.memberForm.record;
      return MemberForms.memberFields({ editing: !!r, masked: r && r.id_number_masked, canPickUser: this.canPickUser });
    },
    memberBody() {
      return MemberForms.memberBody(!!this.memberForm.record);
    },
  },
  async mounted() {
    this.writable = await Platform.writableMap(["partymember", "householdlink", "partybranch"]);
    this.villages = await Platform.api.all("/api/villages/").catch(() => []);
  },
  methods: {
    newMember() {
      this.memberForm = { open: true, record: null };
    },
    editMember(row) {
      this.memberForm = { open: true, record: row };
    },
    onMemberSaved(saved) {
      if (!this.memberForm.record && saved && saved.id) {
        window.location.href = "/members/" + saved.id + "/";
        return;
      }
      this.load();
    },
    openAccounts() {
      this.accounts = { visible: true, village: this.filters.village || null, result: null, saving: false };
      if (this.accounts.village) this.previewAccounts();
    },
    async previewAccounts() {
      const a = this.accounts;
      a.result = null;
      if (!a.village) return;
      a.result = await Platform.api.post("/api/members/accounts/", { village: a.village, apply: false }).catch(() => null);
    },
    async applyAccounts() {
      const a = this.accounts;
      await Platform.busy(a, "saving", async () => {
        a.result = await Platform.api.post("/api/members/accounts/", { village: a.village, apply: true });
        ElementPlus.ElMessage({ type: "success", message: "已开通 " + a.result.accounts.length + " 个账号，请打印初始密码清单。" });
        this.load();
      }).catch(() => null);
    },
    printAccounts() {
      window.print();
    },
    quotaType(row) {
      if (row.link_count < this.linkMin) return "warning";
      if (row.link_count > this.linkMax) return "danger";
      return "success";
    },
  },
});
