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
    return { villages: [], linkMin: Platform.pageData.link_min, linkMax: Platform.pageData.link_max };
  },
  async mounted() {
    this.villages = await Platform.api.all("/api/villages/").catch(() => []);
  },
  methods: {
    quotaType(row) {
      if (row.link_count < this.linkMin) return "warning";
      if (row.link_count > this.linkMax) return "danger";
      return "success";
    },
  },
});
