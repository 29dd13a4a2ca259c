/* Excel 导入：模板 GET /api/imports/templates/<kind>/，上传预览 POST /api/imports/（multipart），
 * 确认导入 POST /api/imports/{id}/commit/，导入记录 GET /api/imports/。 */
(function () {
  "use strict";

  function csrf() {
    const match = document.cookie.split(";").map((s) => s.trim()).find((s) => s.startsWith("csrftoken="));
    return match ? decodeURIComponent(match.slice("csrftoken=".length)) : "";
  }

  const kinds = (Platform.pageData.kinds || []).filter((k) => k.allowed);

  Platform.page({
    data: () => ({
      kinds,
      kind: kinds.length ? kinds[0].value : "",
      file: null,
      batch: null,
      history: [],
      historyLoading: false,
      downloading: false,
      uploading: false,
      committing: false,
      errorPageNo: 1,
      errorPageSize: 50,
    }),
    computed: {
      kindLabel() {
        const found = this.kinds.find((k) => k.value === this.kind);
        return found ? found.label : "";
      },
      errorPage() {
        const errors = (this.batch && this.batch.errors) || [];
        const start = (this.errorPageNo - 1) * this.errorPageSize;
        return errors.slice(start, start + this.errorPageSize);
      },
    },
    mounted() {
      this.loadHistory();
    },
    methods: {
      formatNumber: Platform.formatNumber,
      statusType(status) {
        return { committed: "success", ready: "info", invalid: "danger" }[status] || "info";
      },
      onKindChange() {
        this.batch = null;
      },
      onFile(event) {
        this.file = event.target.files && event.target.files[0] ? event.target.files[0] : null;
      },
      async loadHistory() {
        await Platform.busy(this, "historyLoading", async () => {
          const page = await Platform.api.get("/api/imports/", { page_size: 20 });
          this.history = page.results || page;
        });
      },
      async downloadTemplate() {
        await Platform.busy(this, "downloading", () => Platform.download("/api/imports/templates/" + this.kind + "/"));
      },
      async upload() {
        if (!this.file) return;
        const form = new FormData();
        form.append("kind", this.kind);
        form.append("file", this.file);
        await Platform.busy(this, "uploading", async () => {
          const response = await fetch("/api/imports/", {
            method: "POST", body: form, credentials: "same-origin",
            headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
          });
          const data = await response.json().catch(() => null);
          if (!response.ok) {
            const messages = data && typeof data === "object"
              ? (typeof data.detail === "string" ? [data.detail] : Object.values(data).flat().map(String))
              : ["上传失败（" + response.status + "）。"];
            Platform.showError(new Platform.ApiError(response.status, data, messages));
            return;
          }
          this.batch = data;
          this.errorPageNo = 1;
          this.file = null;
          if (this.$refs.file) this.$refs.file.value = "";
          this.loadHistory();
        });
      },
      async commit() {
        const batch = this.batch;
        await Platform.busy(this, "committing", async () => {
          try {
            this.batch = await Platform.api.post("/api/imports/" + batch.id + "/commit/", { file_sha256: batch.file_sha256 });
            ElementPlus.ElMessage({ type: "success", message: "导入完成。" });
          } catch (e) {
            if (e.data && e.data.batch) this.batch = e.data.batch;
          }
          this.loadHistory();
        });
      },
    },
  });
})();
