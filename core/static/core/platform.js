/* 党建工作区综合管理平台：页面公共脚本。
 * Every page is a Vue 3 app (global build, delimiters [[ ]]) with Element Plus (zh-cn)
 * and talks to the REST API under /api/ with the session cookie and X-CSRFToken.
 * A page registers its options with Platform.page({...}); base.html mounts it with
 * the layout (header, sidebar) mixed in.
 */
(function () {
  "use strict";

  const DELIMITERS = ["[[", "]]"];

  // Four-color classes: display colors (labels come from the API / the models). `color` marks (dots, borders,
  // chart slices), `text` is the same hue dark enough for text on `light` or white (WCAG AA, 4.5:1).
  const COLORS = {
    green: { label: "绿色", color: "#2e9d57", light: "#e8f6ee", text: "#1e7a3e" },
    yellow: { label: "黄色", color: "#d4a106", light: "#fdf6dc", text: "#7a5c00" },
    orange: { label: "橙色", color: "#e86f12", light: "#fdeee2", text: "#a84a0b" },
    red: { label: "红色", color: "#d9363e", light: "#fcebec", text: "#b3202a" },
  };
  const GREY = { color: "#909399", light: "#f4f4f5", text: "#5f6570" };

  function readJson(id, fallback) {
    const el = document.getElementById(id);
    if (!el) return fallback;
    try {
      const value = JSON.parse(el.textContent);
      return value === "" || value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function getCookie(name) {
    const prefix = name + "=";
    for (const part of document.cookie ? document.cookie.split(";") : []) {
      const item = part.trim();
      if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
    }
    return "";
  }

  // ---- API client ----------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, data, messages) {
      super(messages.join("；"));
      this.status = status;
      this.data = data;
      this.messages = messages;
    }
  }

  const STATUS_MESSAGES = {
    401: "登录已失效，请重新登录。",
    403: "您没有权限执行此操作。",
    404: "记录不存在或不在您的管辖范围内。",
    405: "不支持该操作。",
    409: "数据冲突，请刷新后重试。",
    429: "操作过于频繁，请稍后再试。",
  };

  function flattenMessages(value) {
    if (value == null) return [];
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(flattenMessages);
    if (typeof value === "object") return Object.values(value).flatMap(flattenMessages);
    return [String(value)];
  }

  /** The messages of an error body: {"detail": "..."} or {"field": ["字段：消息", ...], ...}. */
  function errorMessages(status, data) {
    if (data && typeof data === "object") {
      if (typeof data.detail === "string") return [data.detail];
      const messages = flattenMessages(data);
      if (messages.length) return messages;
    }
    if (STATUS_MESSAGES[status]) return [STATUS_MESSAGES[status]];
    if (status >= 500) return ["服务器内部错误，请稍后重试。"];
    return ["请求失败（" + status + "）。"];
  }

  function buildUrl(url, params) {
    if (!params) return url;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (v === undefined || v === null || v === "") continue;
        query.append(key, String(v));
      }
    }
    const text = query.toString();
    if (!text) return url;
    return url + (url.includes("?") ? "&" : "?") + text;
  }

  function goToLogin() {
    const next = window.location.pathname + window.location.search;
    window.location.href = "/login/?next=" + encodeURIComponent(next);
  }

  async function request(method, url, options) {
    const opts = options || {};
    const headers = { Accept: "application/json" };
    let body;
    if (method !== "GET" && method !== "HEAD") {
      headers["X-CSRFToken"] = getCookie("csrftoken");
      if (opts.body !== undefined) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(opts.body);
      }
    }
    let response;
    try {
      response = await fetch(buildUrl(url, opts.params), { method, headers, body, credentials: "same-origin" });
    } catch (e) {
      const error = new ApiError(0, null, ["网络连接失败，请检查网络后重试。"]);
      if (!opts.quiet) showError(error);
      throw error;
    }
    let data = null;
    if (response.status !== 204) {
      const type = response.headers.get("Content-Type") || "";
      data = type.includes("json") ? await response.json().catch(() => null) : null;
    }
    if (response.ok) return data;
    if (response.status === 401 || response.status === 403) {
      // a session that expired reads as 403 too: ask who we are before blaming permissions
      const me = await fetch("/api/me/", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!me.ok) {
        goToLogin();
        throw new ApiError(401, data, [STATUS_MESSAGES[401]]);
      }
    }
    const error = new ApiError(response.status, data, errorMessages(response.status, data));
    if (!opts.quiet) showError(error);
    throw error;
  }

  const api = {
    get: (url, params, options) => request("GET", url, Object.assign({ params }, options)),
    post: (url, body, options) => request("POST", url, Object.assign({ body }, options)),
    patch: (url, body, options) => request("PATCH", url, Object.assign({ body }, options)),
    put: (url, body, options) => request("PUT", url, Object.assign({ body }, options)),
    delete: (url, options) => request("DELETE", url, options),
    /** All rows of a (small) paginated list, following `next` up to `limit` rows. */
    async all(url, params, limit) {
      const max = limit || 2000;
      const rows = [];
      let page = await api.get(url, Object.assign({ page_size: 500 }, params));
      for (;;) {
        const items = Array.isArray(page) ? page : page.results;
        rows.push(...items);
        if (Array.isArray(page) || !page.next || rows.length >= max) break;
        page = await api.get(page.next);
      }
      return rows;
    },
  };

  function showError(error) {
    const messages = error.messages && error.messages.length ? error.messages : ["操作失败。"];
    const { h } = Vue;
    ElementPlus.ElMessage({
      type: "error",
      showClose: true,
      duration: 6000,
      grouping: true,
      message: messages.length === 1 ? messages[0] : h("div", { class: "pf-error-list" }, messages.map((m) => h("div", m))),
    });
  }

  // ---- formatting ------------------------------------------------------------------

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function formatDate(value) {
    if (!value) return "—";
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    const d = new Date(value);
    if (isNaN(d)) return String(value);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function formatDateTime(value) {
    if (!value) return "—";
    const d = new Date(value);
    if (isNaN(d)) return String(value);
    return formatDate(value) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function formatNumber(value) {
    if (value === null || value === undefined || value === "") return "—";
    return Number(value).toLocaleString("zh-CN");
  }

  // ---- shared data -------------------------------------------------------------------

  const pageData = readJson("page-data", {}) || {};
  const choices = pageData.choices || {};

  function choiceLabel(kind, value) {
    const found = (choices[kind] || []).find((c) => c.value === value);
    return found ? found.label : value;
  }

  let mePromise = null;
  function me() {
    if (!mePromise) {
      mePromise = api.get("/api/me/", null, { quiet: true }).catch(() => ({
        id: null, username: "", display_name: "", assignments: [], can_reveal: false, writable: [],
      }));
    }
    return mePromise;
  }

  /**
   * Runs `work` (an async function) with `vm[flag]` true meanwhile, and returns its value. When it fails,
   * the error goes to `onError`, or is dropped (the API client has shown its message): the result is undefined.
   */
  async function busy(vm, flag, work, onError) {
    vm[flag] = true;
    try {
      return await work();
    } catch (e) {
      if (onError) onError(e);
      return undefined;
    } finally {
      vm[flag] = false;
    }
  }

  // ---- shared components ---------------------------------------------------------------

  const ColorTag = {
    name: "ColorTag",
    props: { color: String, label: String, size: { type: String, default: "default" } },
    computed: {
      spec() {
        return COLORS[this.color] || Object.assign({ label: this.color || "—" }, GREY);
      },
      style() {
        return { color: this.spec.text, backgroundColor: this.spec.light, borderColor: this.spec.color };
      },
    },
    template: `<el-tag class="pf-color-tag" :size="size" :style="style" disable-transitions><span class="pf-color-dot" :style="{ backgroundColor: spec.color }"></span>[[ label || spec.label ]]</el-tag>`,
  };

  // Field names of the audit trail (pghistory columns) in Chinese; unknown fields fall back to the name.
  const HISTORY_FIELDS = {
    head_name: "户主姓名", address: "住址", people_count: "人口数", phone_masked: "电话", tags: "情况标签",
    color: "四色分类", next_visit_due: "下次走访日期", grid_id: "微网格", natural_village_id: "自然村",
    village_id: "村/社区", zone_id: "工作区", town_id: "街道(镇)", created_at: "登记时间", name: "姓名",
    gender: "性别", id_number_masked: "身份证号", age_band: "年龄段", joined_on: "入党日期", status: "党员类别",
    is_flowing: "流动党员", duties: "六大员", left_on: "离开日期", user_id: "平台账号", branch_id: "所在党组织",
    member_id: "联户党员", household_id: "户", linked_on: "联户日期", brand: "党建品牌", id: "编号",
  };
  const HISTORY_CHOICES = { color: "color", status: "status", gender: "gender", duties: "duty", tags: "tag" };

  const HistoryTimeline = {
    name: "HistoryTimeline",
    props: { url: { type: String, required: true } },
    data: () => ({ rows: [], loading: true, failed: false }),
    created() {
      this.load();
    },
    methods: {
      async load() {
        await busy(this, "loading", async () => {
          this.rows = await api.get(this.url);
          this.failed = false;
        }, () => (this.failed = true));
      },
      fieldLabel(field) {
        return HISTORY_FIELDS[field] || field;
      },
      show(field, value) {
        if (value === null || value === undefined || value === "") return "（空）";
        if (typeof value === "boolean") return value ? "是" : "否";
        const kind = HISTORY_CHOICES[field];
        if (Array.isArray(value)) {
          if (!value.length) return "（无）";
          return value.map((v) => (kind ? choiceLabel(kind, v) : v)).join("、");
        }
        if (kind) return choiceLabel(kind, value);
        if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatDateTime(value);
        return String(value);
      },
      changes(row) {
        return Object.entries(row.changes || {}).map(([field, pair]) => ({ field, before: pair[0], after: pair[1] }));
      },
      tagType(label) {
        return label === "创建" ? "success" : label === "删除" ? "danger" : "primary";
      },
      formatDateTime,
    },
    template: `
      <div v-loading="loading" class="pf-history">
        <el-empty v-if="!loading && !rows.length" :description="failed ? '变更记录加载失败' : '暂无变更记录'" :image-size="80"></el-empty>
        <el-timeline v-else>
          <el-timeline-item v-for="(row, i) in rows" :key="i" :timestamp="formatDateTime(row.created_at)" placement="top" :type="tagType(row.label)">
            <div class="pf-history-head">
              <el-tag size="small" :type="tagType(row.label)" effect="plain">[[ row.label ]]</el-tag>
              <span class="pf-muted">操作人：[[ row.user || '系统' ]]</span>
            </div>
            <ul v-if="changes(row).length" class="pf-history-changes">
              <li v-for="c in changes(row)" :key="c.field">
                <span class="pf-history-field">[[ fieldLabel(c.field) ]]</span>
                <span class="pf-history-old">[[ show(c.field, c.before) ]]</span>
                <span class="pf-history-arrow">→</span>
                <span class="pf-history-new">[[ show(c.field, c.after) ]]</span>
              </li>
            </ul>
            <div v-else-if="row.label === '创建'" class="pf-muted pf-history-note">建立记录</div>
          </el-timeline-item>
        </el-timeline>
      </div>`,
  };

  /**
   * Download a file from GET `url` (e.g. a list's …/export/ xlsx); a refusal is shown as a message.
   * A large export answers 202 (it runs in the background; the inbox gets the link): its message is shown
   * and nothing downloads. Returns true only when a file was downloaded.
   */
  async function download(url, params) {
    let response;
    try {
      response = await fetch(buildUrl(url, params), { credentials: "same-origin" });
    } catch (e) {
      showError(new ApiError(0, null, ["网络连接失败，请检查网络后重试。"]));
      return false;
    }
    if (response.status === 202) {
      const data = await response.json().catch(() => ({}));
      ElementPlus.ElMessage({
        type: "info", duration: 8000, showClose: true, customClass: "pf-export-queued",
        message: (data && data.detail) || "导出已开始，完成后在消息中心提供下载链接。",
      });
      return false;
    }
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      showError(new ApiError(response.status, data, errorMessages(response.status, data)));
      return false;
    }
    const match = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get("Content-Disposition") || "");
    const link = document.createElement("a");
    link.href = window.URL.createObjectURL(await response.blob());
    link.download = match ? decodeURIComponent(match[1]) : "export.xlsx";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => window.URL.revokeObjectURL(link.href), 10000);
    return true;
  }

  // ---- list pages: filters in the address bar, pagination, sorting ---------------------------

  /**
   * A mixin for a paginated list over `url`.
   * filters: the empty filter values ({q: "", zone: null, color: []}); arrays are repeated params,
   * numeric: filter names read from the address bar as numbers, detail: row => its page URL,
   * export: true shows 导出 Excel (GET <url>export/ with the current filters and ordering).
   */
  function listMixin(options) {
    const numeric = options.numeric || [];
    const defaults = () => JSON.parse(JSON.stringify(options.filters));
    const defaultSize = options.pageSize || 20;

    function fromUrl() {
      const params = new URLSearchParams(window.location.search);
      const filters = defaults();
      for (const key of Object.keys(filters)) {
        if (Array.isArray(filters[key])) filters[key] = params.getAll(key);
        else if (params.has(key) && params.get(key) !== "") {
          filters[key] = numeric.includes(key) ? Number(params.get(key)) : params.get(key);
        }
      }
      return { filters, page: Number(params.get("page")) || 1, pageSize: Number(params.get("page_size")) || defaultSize };
    }

    return {
      data() {
        const initial = fromUrl();
        return {
          filters: initial.filters, page: initial.page, pageSize: initial.pageSize, ordering: "",
          rows: [], total: 0, loading: false, canExport: !!options.export, exporting: false,
        };
      },
      mounted() {
        this.load();
      },
      methods: {
        listParams() {
          return Object.assign({}, this.filters, { page: this.page, page_size: this.pageSize, ordering: this.ordering });
        },
        syncUrl() {
          const query = new URLSearchParams();
          for (const [key, value] of Object.entries(this.filters)) {
            for (const v of Array.isArray(value) ? value : [value]) {
              if (v !== null && v !== undefined && v !== "") query.append(key, v);
            }
          }
          if (this.page !== 1) query.append("page", this.page);
          if (this.pageSize !== defaultSize) query.append("page_size", this.pageSize);
          const text = query.toString();
          window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
        },
        async load() {
          this.loading = true;
          this.syncUrl();
          try {
            const data = await api.get(options.url, this.listParams(), { quiet: true });
            this.rows = data.results;
            this.total = data.count;
          } catch (e) {
            if (e.status === 404 && this.page > 1) {
              this.page = 1; // that page no longer exists under these filters
              this.loading = false;
              return this.load();
            }
            this.rows = [];
            this.total = 0;
            showError(e);
          } finally {
            this.loading = false;
          }
        },
        /** The list with its current filters and ordering as xlsx (GET <url>export/, no paging). */
        async exportExcel() {
          this.exporting = true;
          try {
            const params = Object.assign({}, this.filters, { ordering: this.ordering });
            if (await download(options.url + "export/", params)) {
              ElementPlus.ElMessage({ type: "success", message: "已导出，导出记录已写入安全日志。" });
            }
          } finally {
            this.exporting = false;
          }
        },
        search() {
          this.page = 1;
          this.load();
        },
        reset() {
          this.filters = defaults();
          if (this.onReset) this.onReset();
          this.search();
        },
        onSort({ prop, order }) {
          this.ordering = order ? (order === "descending" ? "-" : "") + prop : "";
          this.search();
        },
        open(row) {
          window.location.href = options.detail(row);
        },
      },
    };
  }

  // ---- dialogs and charts ----------------------------------------------------------------------

  /**
   * A mixin for a dialog or drawer opened with v-model: `open` (bound to the dialog), `saving`, and
   * save(work): runs the API call `work`, then closes and emits "saved" with its result.
   */
  const dialogMixin = {
    props: { modelValue: { type: Boolean, default: false } },
    emits: ["update:modelValue", "saved"],
    data: () => ({ saving: false }),
    computed: {
      open: {
        get() { return this.modelValue; },
        set(value) { this.$emit("update:modelValue", value); },
      },
    },
    methods: {
      async save(work) {
        await busy(this, "saving", async () => {
          const saved = await work();
          this.open = false;
          this.$emit("saved", saved);
        });
      },
    },
  };

  /**
   * A mixin for a page with ECharts: chart(ref) is the chart in this.$refs[ref], created once and resized
   * with the window; pct(rate) shows a rate in per cent. The instances live outside Vue's data: a reactive
   * proxy breaks ECharts' internals.
   */
  function chartMixin() {
    const charts = {};
    return {
      mounted() {
        window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
      },
      methods: {
        chart(ref) {
          if (!charts[ref]) {
            const el = this.$refs[ref];
            charts[ref] = echarts.init(el);
            if (window.ResizeObserver) new ResizeObserver(() => charts[ref].resize()).observe(el);
          }
          return charts[ref];
        },
        pct(value) {
          return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
        },
      },
    };
  }

  // ---- the layout and mounting ---------------------------------------------------------

  const PHONE_QUERY = "(max-width: 767.98px)";

  /** The links and controls of the open navigation drawer, in order. */
  function navFocusables() {
    const nav = document.getElementById("pf-nav");
    if (!nav) return [];
    return Array.from(nav.querySelectorAll("a[href], button, [tabindex]:not([tabindex='-1'])"))
      .filter((el) => el.offsetParent !== null && !el.closest("[aria-hidden='true']"));
  }

  const layoutMixin = {
    data() {
      return {
        me: { display_name: "", username: "", assignments: [], can_reveal: false, writable: [] },
        meLoaded: false,
        menu: readJson("platform-menu", { items: [], active: "" }),
        choices,
        navOpen: false,
      };
    },
    created() {
      me().then((value) => {
        this.me = value;
        this.meLoaded = true;
      });
    },
    mounted() {
      // below 768 px the sidebar is a drawer (platform.css); back on a wide screen it is the sidebar again
      this.navQuery = window.matchMedia(PHONE_QUERY);
      this.navQuery.addEventListener("change", (event) => { if (!event.matches) this.navOpen = false; });
      document.addEventListener("keydown", this.onNavKeydown);
    },
    computed: {
      userRoles() {
        return (this.me.assignments || []).map((a) => a.role_display + " · " + a.node_name);
      },
    },
    methods: {
      toggleNav() {
        if (this.navOpen) this.closeNav();
        else this.openNav();
      },
      openNav() {
        this.navOpen = true;
        this.$nextTick(() => {
          const first = navFocusables()[0];
          if (first) first.focus();
        });
      },
      /** Closes the drawer; the focus goes back to the menu button unless `keepFocus` (a link was followed). */
      closeNav(keepFocus) {
        if (!this.navOpen) return;
        this.navOpen = false;
        if (!keepFocus && this.$refs.navButton) this.$refs.navButton.focus();
      },
      /** While the drawer is open: Escape closes it, Tab cycles between the menu button and its links. */
      onNavKeydown(event) {
        if (!this.navOpen) return;
        if (event.key === "Escape") {
          event.preventDefault();
          this.closeNav();
        } else if (event.key === "Tab") {
          const cycle = [this.$refs.navButton].concat(navFocusables());
          const at = cycle.indexOf(document.activeElement);
          const next = at < 0 ? 0 : (at + (event.shiftKey ? cycle.length - 1 : 1)) % cycle.length;
          event.preventDefault();
          cycle[next].focus();
        }
      },
      onUserCommand(command) {
        if (command === "logout") document.getElementById("pf-logout-form").submit();
        if (command === "api") window.location.href = "/api/docs/";
      },
      colorSpec(color) {
        return COLORS[color] || Object.assign({ label: color }, GREY);
      },
      busy(flag, work, onError) {
        return busy(this, flag, work, onError);
      },
      go(path) {
        window.location.href = path;
      },
      /** Back to the list this page was opened from (keeping its filters), else to the list itself. */
      backTo(listPath) {
        if (document.referrer && new URL(document.referrer).pathname === listPath) window.history.back();
        else window.location.href = listPath;
      },
      choiceLabel,
      formatDate,
      formatDateTime,
      formatNumber,
    },
  };

  // Controls Element Plus renders without a label of their own (the pager's page size and page jump).
  const CONTROL_LABELS = [
    [".el-pagination__sizes input", "每页条数"],
    [".el-pagination__jump input", "跳至页码"],
  ];
  function labelUnlabelledControls() {
    for (const [selector, label] of CONTROL_LABELS) {
      for (const el of document.querySelectorAll(selector)) {
        if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", label);
      }
    }
  }


  // ---- record forms: create / edit / archive over the API ---------------------------------------

  /** Whether the current user may write rows of `model` (its model name, e.g. "household"): /api/me/'s writable. */
  async function canWrite(model) {
    const who = await me();
    return (who.writable || []).includes(model);
  }

  /** Which of `models` the user may write: {household: true, ...} (for v-if on buttons). */
  async function writableMap(models) {
    const who = await me();
    const writable = new Set(who.writable || []);
    return Object.fromEntries(models.map((m) => [m, writable.has(m)]));
  }

  /** Ask, then DELETE `url` (an archivable record is archived, not deleted). True when done. */
  async function archiveRecord(url, name) {
    try {
      await ElementPlus.ElMessageBox.confirm(
        "归档后「" + name + "」不再出现在列表中，变更记录仍保留，可随时恢复。", "确认归档",
        { confirmButtonText: "归档", cancelButtonText: "取消", type: "warning" });
    } catch (e) {
      return false;
    }
    try {
      await api.delete(url);
    } catch (e) {
      return false;
    }
    ElementPlus.ElMessage({ type: "success", message: "已归档：" + name });
    return true;
  }

  /** POST …/restore/ for an archived record. True when done. */
  async function restoreRecord(url, name) {
    try {
      await api.post(url + "restore/");
    } catch (e) {
      return false;
    }
    ElementPlus.ElMessage({ type: "success", message: "已恢复：" + name });
    return true;
  }

  /** A field's messages without the "标签：" prefix the API puts on them (the label is beside the field). */
  function fieldMessages(value, label) {
    return flattenMessages(value).map((m) => (label && m.startsWith(label + "：") ? m.slice(label.length + 1) : m)).join("；");
  }

  /**
   * Splits a 400 body into {field: message} for the fields shown and a list of the other messages.
   * Nested errors (a list of people) are kept whole under their field for the field's own component.
   */
  function splitErrors(data, fields) {
    const byField = {};
    const rest = [];
    if (!data || typeof data !== "object" || typeof data.detail === "string") {
      return { byField, rest: data && data.detail ? [data.detail] : [] };
    }
    const labels = Object.fromEntries(fields.map((f) => [f.name, f.label]));
    for (const [name, value] of Object.entries(data)) {
      if (name in labels) byField[name] = value;
      else rest.push(...flattenMessages(value));
    }
    return { byField, rest };
  }

  /**
   * <record-form v-model="open" title="新增户" url="/api/households/" :record="row|null" :fields="[...]" @saved="...">
   * A dialog form over one API collection: POST `url` for a new record, PATCH `url + id + "/"` for `record`.
   * fields: [{name, label, type: text|textarea|number|date|select|multiselect|remote|switch|tags,
   *           options | choices (a page choice kind) | remote: {url, label(row), params}, initialLabel(record),
   *           required, help, placeholder, min, max, readonlyOnEdit, visible(form)}].
   * initial: values for a new record; body(form): the request body (default: the form's fields).
   * The API's field errors appear beside their fields; other refusals above the form. Nothing is kept on a refusal.
   */
  const RecordForm = {
    name: "RecordForm",
    mixins: [dialogMixin],
    props: {
      title: { type: String, required: true },
      url: { type: String, required: true },
      record: { type: Object, default: null },
      fields: { type: Array, required: true },
      initial: { type: Object, default: () => ({}) },
      body: { type: Function, default: null },
      width: { type: String, default: "640px" },
    },
    data: () => ({ form: {}, errors: {}, general: [], remoteOptions: {}, remoteLoading: {} }),
    computed: {
      shown() {
        return this.fields.filter((f) => !f.visible || f.visible(this.form));
      },
      editing() {
        return !!(this.record && this.record.id);
      },
    },
    watch: {
      modelValue: {
        immediate: true,
        handler(open) {
          if (open) this.reset();
        },
      },
    },
    methods: {
      reset() {
        const form = {};
        this.remoteOptions = {};
        for (const f of this.fields) {
          const text = !f.type || f.type === "text" || f.type === "textarea";
          // text fields start as "" (a blank CharField refuses null), choices as null, lists as []
          const empty = f.type === "multiselect" || f.type === "tags" ? [] : f.type === "switch" ? false : text ? "" : null;
          let value = this.record && f.name in this.record ? this.record[f.name] : (f.name in this.initial ? this.initial[f.name] : empty);
          if (text && value === null) value = "";
          if (Array.isArray(value)) value = value.slice();
          form[f.name] = value;
          if (f.type === "remote") {
            const label = this.record && f.initialLabel ? f.initialLabel(this.record) : (this.initial && f.initialLabel ? f.initialLabel(this.initial) : null);
            this.remoteOptions[f.name] = value != null && label ? [{ value, label }] : [];
          }
        }
        this.form = form;
        this.errors = {};
        this.general = [];
      },
      inputId(f) {
        return "rf-" + f.name;
      },
      options(f) {
        if (f.options) return typeof f.options === "function" ? f.options(this.form) : f.options;
        if (f.choices) return choices[f.choices] || [];
        return [];
      },
      async searchRemote(f, query) {
        this.remoteLoading[f.name] = true;
        try {
          const params = Object.assign({ q: query || undefined, page_size: 30 },
            typeof f.remote.params === "function" ? f.remote.params(this.form) : f.remote.params);
          const page = await api.get(f.remote.url, params, { quiet: true });
          const rows = Array.isArray(page) ? page : page.results;
          const found = rows.map((r) => ({ value: r.id, label: f.remote.label ? f.remote.label(r) : r.name }));
          const current = (this.remoteOptions[f.name] || []).find((o) => o.value === this.form[f.name]);
          if (current && !found.some((o) => o.value === current.value)) found.unshift(current);
          this.remoteOptions[f.name] = found;
        } catch (e) {
          this.remoteOptions[f.name] = [];
        } finally {
          this.remoteLoading[f.name] = false;
        }
      },
      errorOf(f) {
        return f.name in this.errors ? fieldMessages(this.errors[f.name], f.label) : "";
      },
      requestBody() {
        const data = {};
        for (const f of this.shown) {
          if (this.editing && f.readonlyOnEdit) continue;
          let value = this.form[f.name];
          if (f.type === "number" && value === "") value = null;
          data[f.name] = value;
        }
        return this.body ? this.body(data, this.form) : data;
      },
      async submit() {
        this.errors = {};
        this.general = [];
        this.saving = true;
        try {
          const body = this.requestBody();
          const saved = this.editing
            ? await api.patch(this.url + this.record.id + "/", body, { quiet: true })
            : await api.post(this.url, body, { quiet: true });
          ElementPlus.ElMessage({ type: "success", message: (this.editing ? "已保存：" : "已新增：") + this.title.replace(/^(新增|编辑)/, "") });
          this.open = false;
          this.$emit("saved", saved);
        } catch (e) {
          if (e.status === 400) {
            const { byField, rest } = splitErrors(e.data, this.shown);
            this.errors = byField;
            this.general = rest;
            this.$nextTick(() => {
              const first = this.$el && this.$el.ownerDocument.querySelector(".pf-record-form .is-error input, .pf-record-form .is-error textarea");
              if (first) first.focus();
            });
          } else {
            this.general = e.messages || ["保存失败。"];
          }
        } finally {
          this.saving = false;
        }
      },
    },
    template: `
      <el-dialog v-model="open" :title="title" :width="width" class="pf-record-form" append-to-body :close-on-click-modal="false" destroy-on-close>
        <el-alert v-if="general.length" type="error" :closable="false" show-icon class="pf-form-alert" role="alert">
          <div v-for="(m, i) in general" :key="i">[[ m ]]</div>
        </el-alert>
        <el-form :model="form" label-position="top" @submit.prevent="submit" novalidate>
          <el-form-item v-for="f in shown" :key="f.name" :label="f.label" :for="inputId(f)" :error="errorOf(f)" :required="!!f.required">
            <el-select v-if="f.type === 'select' || f.type === 'multiselect'" v-model="form[f.name]" :id="inputId(f)" :multiple="f.type === 'multiselect'"
                       :clearable="!f.required" :placeholder="f.placeholder || '请选择'" :disabled="editing && f.readonlyOnEdit" style="width: 100%">
              <el-option v-for="o in options(f)" :key="String(o.value)" :label="o.label" :value="o.value"></el-option>
            </el-select>
            <el-select v-else-if="f.type === 'remote'" v-model="form[f.name]" :id="inputId(f)" filterable remote :remote-method="(q) => searchRemote(f, q)"
                       :loading="remoteLoading[f.name]" :clearable="!f.required" :placeholder="f.placeholder || '输入名称搜索'" :disabled="editing && f.readonlyOnEdit"
                       @visible-change="(v) => v && (remoteOptions[f.name] || []).length <= 1 && searchRemote(f, '')" style="width: 100%">
              <el-option v-for="o in remoteOptions[f.name] || []" :key="o.value" :label="o.label" :value="o.value"></el-option>
            </el-select>
            <el-select v-else-if="f.type === 'tags'" v-model="form[f.name]" :id="inputId(f)" multiple filterable allow-create default-first-option
                       :placeholder="f.placeholder || '输入后回车'" style="width: 100%">
              <el-option v-for="o in options(f)" :key="String(o.value)" :label="o.label" :value="o.value"></el-option>
            </el-select>
            <el-date-picker v-else-if="f.type === 'date'" v-model="form[f.name]" :id="inputId(f)" type="date" value-format="YYYY-MM-DD"
                            :placeholder="f.placeholder || '选择日期'" style="width: 100%"></el-date-picker>
            <el-input-number v-else-if="f.type === 'number'" v-model="form[f.name]" :id="inputId(f)" :min="f.min" :max="f.max" :disabled="editing && f.readonlyOnEdit" controls-position="right"></el-input-number>
            <el-switch v-else-if="f.type === 'switch'" v-model="form[f.name]" :id="inputId(f)"></el-switch>
            <el-input v-else v-model="form[f.name]" :id="inputId(f)" :type="f.type === 'textarea' ? 'textarea' : 'text'" :rows="3"
                      :placeholder="f.placeholder || ''" :disabled="editing && f.readonlyOnEdit" :maxlength="f.maxlength"></el-input>
            <div v-if="f.help" class="pf-form-help">[[ f.help ]]</div>
          </el-form-item>
          <slot :form="form" :errors="errors"></slot>
        </el-form>
        <template #footer>
          <el-button @click="open = false">取消</el-button>
          <el-button type="primary" :loading="saving" @click="submit">保存</el-button>
        </template>
      </el-dialog>`,
  };

  let pageOptions = {};
  // Components other apps add to every page (e.g. the header's search box, organization/search.js).
  const extraComponents = {};

  const Platform = {
    api,
    ApiError,
    showError,
    COLORS,
    choices,
    choiceLabel,
    pageData,
    me,
    formatDate,
    formatDateTime,
    formatNumber,
    readJson,
    busy,
    listMixin,
    download,
    dialogMixin,
    chartMixin,
    canWrite,
    writableMap,
    archiveRecord,
    restoreRecord,
    splitErrors,
    fieldMessages,
    /** Register a component for every page's app (call before mount). */
    component(name, options) {
      extraComponents[name] = options;
    },
    /** Register the current page's Vue options (data, methods, mounted, ...). */
    page(options) {
      pageOptions = options || {};
    },
    mount(selector) {
      const app = Vue.createApp({ mixins: [layoutMixin, pageOptions] });
      app.config.compilerOptions.delimiters = DELIMITERS;
      app.config.errorHandler = (err) => {
        console.error(err);
      };
      app.use(ElementPlus, { locale: window.ElementPlusLocaleZhCn });
      for (const [name, component] of Object.entries(window.ElementPlusIconsVue || {})) {
        app.component("Icon" + name, component);
      }
      app.component("ColorTag", ColorTag);
      app.component("HistoryTimeline", HistoryTimeline);
      app.component("RecordForm", RecordForm);
      for (const [name, component] of Object.entries(extraComponents)) app.component(name, component);
      const vm = app.mount(selector || "#app");
      document.body.classList.add("pf-ready");
      labelUnlabelledControls();
      new MutationObserver(labelUnlabelledControls).observe(document.body, { childList: true, subtree: true });
      return vm;
    },
  };

  window.Platform = Platform;
})();
