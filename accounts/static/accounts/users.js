/* 用户与角色：GET/POST /api/users/，POST …/{id}/roles/、revoke-role/、disable/、enable/、reset-password/，GET …/history/。
   节点的可选项来自各自的按范围限定的接口（/api/towns/、/api/zones/、/api/villages/、/api/grids/）。 */
(function () {
  "use strict";

  const ENDPOINT = "/api/users/";
  const grantable = Platform.pageData.grantable_roles || [];
  const isDistrict = !!Platform.pageData.is_district;

  // the node each role hangs on; API consumers: a level of one's choice (or the whole district)
  const ROLE_NODE = { town_staff: "town", zone_committee: "zone", village_cadre: "village", grid_member: "grid" };
  const NODES = {
    town: { label: "街道(镇)", url: "/api/towns/", name: (r) => r.name },
    zone: { label: "工作区", url: "/api/zones/", name: (r) => r.name + (r.town_name ? "（" + r.town_name + "）" : "") },
    village: { label: "村/社区", url: "/api/villages/", name: (r) => r.name + (r.zone_name ? "（" + r.zone_name + "）" : "") },
    grid: { label: "微网格", url: "/api/grids/", name: (r) => r.name + (r.natural_village_name ? "（" + r.natural_village_name + "）" : "") },
  };

  function fieldError(errors, field) {
    const value = errors && errors[field];
    if (!value) return "";
    return Array.isArray(value) ? value.join("；") : String(value);
  }

  /** The body of a grant: the role and its node under the node's own field (town/zone/village/grid). */
  function grantBody(form) {
    const body = { role: form.role };
    const level = form.role === "api_consumer" ? form.level : ROLE_NODE[form.role];
    if (level && form.node) body[level] = form.node;
    return body;
  }

  /** Runs an API write; a 400 puts its field messages beside the fields, anything else is shown as a message. */
  async function withFieldErrors(vm, errorsKey, work) {
    vm[errorsKey] = {};
    vm.saving = true;
    try {
      return await work();
    } catch (e) {
      if (e.status === 400 && e.data && typeof e.data === "object" && !e.data.detail) {
        vm[errorsKey] = e.data;
        const shown = new Set(["username", "display_name", "password", "role", "town", "zone", "village", "grid"]);
        const rest = Object.entries(e.data).filter(([k]) => !shown.has(k)).flatMap(([, v]) => v);
        if (rest.length) Platform.showError({ messages: rest });
      } else {
        Platform.showError(e);
      }
      return undefined;
    } finally {
      vm.saving = false;
    }
  }

  const RoleNodeFields = {
    name: "RoleNodeFields",
    props: { form: { type: Object, required: true }, errors: { type: Object, default: () => ({}) }, prefix: String },
    data: () => ({ options: [], searching: false }),
    computed: {
      roles() {
        return grantable.map((value) => ({ value, label: Platform.choiceLabel("role", value) }));
      },
      level() {
        return this.form.role === "api_consumer" ? this.form.level : ROLE_NODE[this.form.role];
      },
      levels() {
        const all = Object.entries(NODES).filter(([k]) => k !== "grid").map(([value, n]) => ({ value, label: n.label }));
        return isDistrict ? [{ value: "", label: "全区" }, ...all] : all;
      },
      nodeLabel() {
        return this.level ? NODES[this.level].label : "节点";
      },
      nodeError() {
        return fieldError(this.errors, this.level || "town");
      },
    },
    watch: {
      level() {
        this.form.node = null;
        this.options = [];
        if (this.level) this.search("");
      },
    },
    methods: {
      async search(query) {
        if (!this.level) return;
        const spec = NODES[this.level];
        this.searching = true;
        try {
          const page = await Platform.api.get(spec.url, { q: query || undefined, page_size: 50 }, { quiet: true });
          this.options = (page.results || page).map((r) => ({ value: r.id, label: spec.name(r) }));
        } catch (e) {
          this.options = [];
        } finally {
          this.searching = false;
        }
      },
      err(field) {
        return fieldError(this.errors, field);
      },
    },
    template: `
      <div>
        <el-form-item label="角色" :for="prefix + '-role'" :error="err('role')" required>
          <el-select :id="prefix + '-role'" v-model="form.role" placeholder="选择角色" aria-label="角色">
            <el-option v-for="r in roles" :key="r.value" :label="r.label" :value="r.value"></el-option>
          </el-select>
        </el-form-item>
        <el-form-item v-if="form.role === 'api_consumer'" label="数据范围" :for="prefix + '-level'">
          <el-select :id="prefix + '-level'" v-model="form.level" aria-label="数据范围">
            <el-option v-for="l in levels" :key="l.value" :label="l.label" :value="l.value"></el-option>
          </el-select>
        </el-form-item>
        <el-form-item v-if="level" :label="nodeLabel" :for="prefix + '-node'" :error="nodeError" required>
          <el-select :id="prefix + '-node'" v-model="form.node" filterable remote :remote-method="search" :loading="searching"
                     :placeholder="'输入名称搜索' + nodeLabel" :aria-label="nodeLabel">
            <el-option v-for="o in options" :key="o.value" :label="o.label" :value="o.value"></el-option>
          </el-select>
        </el-form-item>
      </div>`,
  };

  const blankCreate = () => ({ username: "", display_name: "", password: "", role: grantable.includes("village_cadre") ? "village_cadre" : grantable[0] || "", level: "town", node: null });
  const blankGrant = () => ({ role: grantable.includes("grid_member") ? "grid_member" : grantable[0] || "", level: "town", node: null });

  Platform.page({
    components: { RoleNodeFields },
    mixins: [Platform.listMixin({ url: ENDPOINT, filters: { q: "" }, pageSize: 20 })],
    data() {
      return {
        saving: false,
        createOpen: false, createForm: blankCreate(), createErrors: {},
        grantOpen: false, grantForm: blankGrant(), grantErrors: {},
        target: null,
        passwordOpen: false, passwordFor: "", oneTimePassword: "",
        historyOpen: false, historyRows: [], historyLoading: false,
      };
    },
    methods: {
      err: fieldError,
      canGrant(role) {
        return grantable.includes(role);
      },
      replaceRow(row) {
        const i = this.rows.findIndex((r) => r.id === row.id);
        if (i >= 0) this.rows.splice(i, 1, row);
      },
      openCreate() {
        this.createForm = blankCreate();
        this.createErrors = {};
        this.createOpen = true;
      },
      async submitCreate() {
        const form = this.createForm;
        const body = Object.assign({ username: form.username, display_name: form.display_name }, grantBody(form));
        if (form.password) body.password = form.password;
        const created = await withFieldErrors(this, "createErrors", () => Platform.api.post(ENDPOINT, body, { quiet: true }));
        if (!created) return;
        this.createOpen = false;
        if (created.initial_password) this.showPassword(created.username, created.initial_password);
        else ElementPlus.ElMessage({ type: "success", message: "账号已创建，首次登录须修改初始密码。" });
        this.load();
      },
      openGrant(row) {
        this.target = row;
        this.grantForm = blankGrant();
        this.grantErrors = {};
        this.grantOpen = true;
      },
      async submitGrant() {
        const row = await withFieldErrors(this, "grantErrors",
          () => Platform.api.post(ENDPOINT + this.target.id + "/roles/", grantBody(this.grantForm), { quiet: true }));
        if (!row) return;
        this.grantOpen = false;
        this.replaceRow(row);
        ElementPlus.ElMessage({ type: "success", message: "已授予角色。" });
      },
      async revoke(row, assignment) {
        try {
          await ElementPlus.ElMessageBox.confirm(
            "移除 " + row.username + " 的角色“" + assignment.role_display + " · " + assignment.node_name + "”？", "移除角色",
            { type: "warning", confirmButtonText: "移除", cancelButtonText: "取消" });
        } catch (e) {
          return;
        }
        const fresh = await Platform.api.post(ENDPOINT + row.id + "/revoke-role/", { assignment: assignment.id }).catch(() => null);
        if (fresh) this.replaceRow(fresh);
      },
      async setActive(row, active) {
        const verb = active ? "启用" : "停用";
        try {
          await ElementPlus.ElMessageBox.confirm(verb + "账号 " + row.username + "？" + (active ? "" : "停用后不能登录，其 API 令牌被撤销。"),
            verb + "账号", { type: "warning", confirmButtonText: verb, cancelButtonText: "取消" });
        } catch (e) {
          return;
        }
        const fresh = await Platform.api.post(ENDPOINT + row.id + (active ? "/enable/" : "/disable/")).catch(() => null);
        if (fresh) this.replaceRow(fresh);
      },
      async resetPassword(row) {
        try {
          await ElementPlus.ElMessageBox.confirm("为 " + row.username + " 生成一次性密码？原密码立即失效，其 API 令牌被撤销。",
            "重置密码", { type: "warning", confirmButtonText: "重置", cancelButtonText: "取消" });
        } catch (e) {
          return;
        }
        const answer = await Platform.api.post(ENDPOINT + row.id + "/reset-password/").catch(() => null);
        if (answer) {
          this.showPassword(row.username, answer.password);
          this.load();
        }
      },
      showPassword(username, password) {
        this.passwordFor = username;
        this.oneTimePassword = password;
        this.passwordOpen = true;
      },
      async openHistory(row) {
        this.target = row;
        this.historyRows = [];
        this.historyOpen = true;
        await Platform.busy(this, "historyLoading", async () => {
          this.historyRows = await Platform.api.get(ENDPOINT + row.id + "/history/");
        });
      },
      historyText(row) {
        const d = row.detail || {};
        if (d.role) return Platform.choiceLabel("role", d.role) + (d.node ? " · " + d.node : "");
        if (d.reason) return d.reason;
        return row.result_display || "";
      },
    },
  });
})();
