/* 消息通知：GET /api/notifications/、/unread-count/；POST /<id>/read/、/read-all/。 */
Platform.page({
  data() {
    return { rows: [], total: 0, page: 1, pageSize: 20, unread: 0, filter: "", loading: true };
  },
  mounted() {
    this.load();
  },
  methods: {
    async load() {
      await this.busy("loading", async () => {
        const [page, count] = await Promise.all([
          Platform.api.get("/api/notifications/", { page: this.page, page_size: this.pageSize, unread: this.filter }),
          Platform.api.get("/api/notifications/unread-count/"),
        ]);
        this.rows = page.results;
        this.total = page.count;
        this.unread = count.unread;
      });
    },
    search() {
      this.page = 1;
      this.load();
    },
    async open(n) {
      if (!n.is_read) {
        await Platform.api.post("/api/notifications/" + n.id + "/read/").catch(() => null);
        n.is_read = true;
        this.unread = Math.max(0, this.unread - 1);
      }
      if (n.link) window.location.href = n.link;
    },
    async readAll() {
      await Platform.api.post("/api/notifications/read-all/");
      this.load();
    },
  },
});
