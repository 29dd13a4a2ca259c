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
    };
  },
  computed: {
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
    try {
      this.m = await Platform.api.get("/api/members/" + this.id + "/");
    } catch (e) {
      this.failed = e.message;
    } finally {
      this.loading = false;
    }
    try {
      this.links = await Platform.api.all("/api/household-links/", { member: this.id });
    } catch (e) {
      this.links = [];
    } finally {
      this.linksLoading = false;
    }
  },
  methods: {
    async reveal() {
      this.revealing = true;
      try {
        this.revealed = await Platform.api.post("/api/members/" + this.id + "/reveal/");
        ElementPlus.ElMessage({ type: "success", message: "已显示完整信息，本次查看已记录。" });
      } catch (e) {
        /* shown by the API client */
      } finally {
        this.revealing = false;
      }
    },
    openHousehold(row) {
      window.location.href = "/households/" + row.household + "/";
    },
    back() {
      if (document.referrer && new URL(document.referrer).pathname === "/members/") window.history.back();
      else window.location.href = "/members/";
    },
  },
});
