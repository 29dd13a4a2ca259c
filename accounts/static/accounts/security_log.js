/* 安全日志：GET /api/security-events/（分页、筛选、按时间排序），导出 GET /api/security-events/export/（xlsx）。 */
(function () {
  "use strict";

  const ENDPOINT = "/api/security-events/";
  const securityChoices = Object.assign({ action: [], result: [], object_type: [] }, Platform.pageData.security_choices);
  const objectLabels = Object.fromEntries(securityChoices.object_type.map((o) => [o.value, o.label]));

  const FIELD_LABELS = { id_number: "身份证号", phone: "电话" };

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function daysAgo(days) {
    const d = new Date();
    d.setDate(d.getDate() - days);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  /** The file name the server chose (RFC 5987 filename*), else a plain one. */
  function fileName(response) {
    const header = response.headers.get("Content-Disposition") || "";
    const match = header.match(/filename\*=utf-8''([^;]+)/i);
    return match ? decodeURIComponent(match[1]) : "安全日志.xlsx";
  }

  Platform.page({
    mixins: [
      Platform.listMixin({
        url: ENDPOINT,
        filters: {
          username: "", action: [], result: null, at_after: null, at_before: null,
          object_type: null, object_id: "", ip_address: "",
        },
        pageSize: 50,
      }),
    ],
    data() {
      return {
        securityChoices,
        exporting: false,
        shortcuts: [
          { text: "今天", value: () => [daysAgo(0), daysAgo(0)] },
          { text: "最近 7 天", value: () => [daysAgo(6), daysAgo(0)] },
          { text: "最近 30 天", value: () => [daysAgo(29), daysAgo(0)] },
          { text: "最近 180 天", value: () => [daysAgo(179), daysAgo(0)] },
        ],
      };
    },
    mounted() {
      // Element Plus gives the pagination's page-size select no name: screen readers would announce a bare box
      this.$nextTick(() => {
        for (const input of document.querySelectorAll(".el-pagination__sizes input")) input.setAttribute("aria-label", "每页条数");
      });
    },
    computed: {
      dateRange: {
        get() {
          return this.filters.at_after && this.filters.at_before ? [this.filters.at_after, this.filters.at_before] : null;
        },
        set(value) {
          this.filters.at_after = value ? value[0] : null;
          this.filters.at_before = value ? value[1] : null;
        },
      },
    },
    methods: {
      formatSeconds(value) {
        if (!value) return "—";
        const d = new Date(value);
        return Platform.formatDateTime(value) + ":" + pad(d.getSeconds());
      },
      objectLabel(type) {
        return objectLabels[type] || type;
      },
      detailText(row) {
        // the detail keys each recorder writes, in words; anything else as JSON
        const d = Object.assign({}, row.detail || {});
        const parts = [];
        if (d.method && d.path) parts.push(d.method + " " + d.path);
        if (Array.isArray(d.fields)) parts.push("字段：" + d.fields.map((x) => FIELD_LABELS[x] || x).join("、"));
        if (d.role) parts.push((d.username ? d.username + " · " : "") + Platform.choiceLabel("role", d.role) + (d.node ? " · " + d.node : ""));
        if (d.rows !== undefined) parts.push((d.format || "") + " " + d.rows + " 行");
        if (d.filters && Object.keys(d.filters).length) parts.push("筛选：" + JSON.stringify(d.filters));
        for (const key of ["method", "path", "fields", "role", "username", "node", "user", "rows", "format", "filters"]) delete d[key];
        if (Object.keys(d).length) parts.push(JSON.stringify(d));
        return parts.length ? parts.join("；") : "—";
      },
      async exportXlsx() {
        // fetch rather than a link: a refusal (too many rows, bad filter) is shown as a message, not a JSON page
        this.exporting = true;
        try {
          const params = Object.assign({}, this.filters, { ordering: this.ordering });
          const query = new URLSearchParams();
          for (const [key, value] of Object.entries(params)) {
            for (const v of Array.isArray(value) ? value : [value]) {
              if (v !== null && v !== undefined && v !== "") query.append(key, v);
            }
          }
          const response = await fetch(ENDPOINT + "export/?" + query.toString(), { credentials: "same-origin" });
          if (!response.ok) {
            const data = await response.json().catch(() => null);
            const message = data && (typeof data.detail === "string" ? data.detail : Object.values(data).flat().join("；"));
            Platform.showError({ messages: [message || "导出失败（" + response.status + "）。"] });
            return;
          }
          const blob = await response.blob();
          const link = document.createElement("a");
          link.href = window.URL.createObjectURL(blob);
          link.download = fileName(response);
          document.body.appendChild(link);
          link.click();
          link.remove();
          setTimeout(() => window.URL.revokeObjectURL(link.href), 10000);
          ElementPlus.ElMessage({ type: "success", message: "已导出，导出记录已写入安全日志。" });
        } catch (e) {
          Platform.showError({ messages: ["网络连接失败，请检查网络后重试。"] });
        } finally {
          this.exporting = false;
        }
      },
    },
  });

})();
