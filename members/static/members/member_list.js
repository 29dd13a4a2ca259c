/* 党员列表：GET /api/members/（分页、筛选、排序）。 */
Platform.page({
  mixins: [
    Platform.listMixin({
      url: "/api/members/",
      export: true, // 导出 Excel: GET /api/members/export/ with the same filters
      filters: { q: "", village: null, status: null, duty: null, quota: null, is_flowing: null },
      numeric: ["village"],
      detail: (row) => "/members/" + row.id + "/",
    }),
  ],
  data() {
    return {
      villages: [], linkMin: Platform.pageData.link_min, linkMax: Platform.pageData.link_max,
      canOpenAccounts: !!Platform.pageData.can_open_accounts,
      accounts: { visible: false, village: null, result: null, saving: false },
    };
  },
  async mounted() {
    this.villages = await Platform.api.all("/api/villages/").catch(() => []);
  },
  methods: {
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
