/* 党员表单与联户对话框（党员列表、党员详情共用；在页面脚本之前加载）：
 * MemberForms.memberFields(options) —— <record-form> 的党员字段；
 * <link-bulk-dialog>  批量联户：选微网格 → 勾选户 → 选党员，保存前看到该党员的联户数（POST /api/household-links/bulk/ 预览/执行）；
 * <link-move-dialog>  改联户党员：PATCH /api/household-links/<id>/ {member}；
 * <member-leave-dialog> 党员离开：POST /api/members/<id>/leave/ 先预览其联系的户转给谁，再确认执行。 */
(function () {
  const LINK_MIN = Platform.pageData.link_min || 10;
  const LINK_MAX = Platform.pageData.link_max || 20;

  function memberLabel(row) {
    return row.name + "（" + (row.branch_name || "") + "，已联系 " + (row.link_count || 0) + " 户）";
  }

  /** The member form's fields; `canPickUser`: the user may list accounts (managers) and tie one to the member. */
  function memberFields(options) {
    const opts = options || {};
    return [
      { name: "name", label: "姓名", type: "text", required: true, maxlength: 50 },
      { name: "id_number", label: "身份证号", type: "text", required: !opts.editing, maxlength: 18,
        placeholder: opts.editing ? "留空则不修改" : "18位身份证号",
        help: opts.editing ? "已登记：" + (opts.masked || "") + "。留空则不修改；性别、出生日期由身份证号得出。"
          : "加密保存，列表只显示脱敏形式；性别、出生日期由身份证号得出。" },
      { name: "phone", label: "电话", type: "text", maxlength: 20,
        placeholder: opts.editing ? "留空则不修改" : "手机或固定电话（可不填）" },
      { name: "branch", label: "所在党组织", type: "remote", required: true,
        remote: { url: "/api/branches/", label: (r) => r.name + (r.village_name ? "（" + r.village_name + "）" : "") },
        initialLabel: (r) => r.branch_name || null },
      { name: "joined_on", label: "入党日期", type: "date", required: true },
      { name: "status", label: "党员类别", type: "select", choices: "status", required: true },
      { name: "is_flowing", label: "流动党员", type: "switch" },
      { name: "duties", label: "六大员", type: "multiselect", choices: "duty", placeholder: "可多选，可不选" },
      ...(opts.canPickUser ? [{ name: "user", label: "平台账号", type: "remote", placeholder: "输入用户名或姓名搜索（可不选）",
        remote: { url: "/api/users/", label: (u) => (u.display_name || u.username) + "（" + u.username + "）" },
        initialLabel: (r) => r.user_name || null, help: "该党员登录平台所用的账号（可不选）。" }] : []),
    ];
  }

  /** The request body of the member form: on an edit, blank ID number and phone mean "unchanged". */
  function memberBody(editing) {
    return (data) => {
      const body = Object.assign({}, data);
      for (const key of ["id_number", "phone"]) {
        if (body[key] === null || body[key] === undefined) body[key] = "";
        body[key] = String(body[key]).trim();
        if (editing && !body[key]) delete body[key];
      }
      if (!editing && !body.phone) delete body.phone;
      if ("user" in body && body.user === "") body.user = null;
      return body;
    };
  }

  /** The quota of one member after a change: {current, adding, after, type, text}. */
  function quota(current, adding) {
    const after = current + adding;
    let type = "success";
    let text = "符合每人 " + LINK_MIN + "–" + LINK_MAX + " 户的要求";
    if (after > LINK_MAX) {
      type = "error";
      text = "将超过每人最多 " + LINK_MAX + " 户的上限，不能保存";
    } else if (after < LINK_MIN) {
      type = "warning";
      text = "仍不足 " + LINK_MIN + " 户，还可再联系 " + (LINK_MIN - after) + " 户以上";
    }
    return { current, adding, after, type, text };
  }

  const remoteMemberSelect = {
    data: () => ({ memberOptions: [], memberRows: {}, membersLoading: false }),
    methods: {
      async searchMembers(query, params) {
        this.membersLoading = true;
        try {
          const page = await Platform.api.get("/api/members/",
            Object.assign({ q: query || undefined, active: true, page_size: 30 }, params || {}), { quiet: true });
          for (const r of page.results) this.memberRows[r.id] = r;
          this.memberOptions = page.results.map((r) => ({ value: r.id, label: memberLabel(r) }));
        } catch (e) {
          this.memberOptions = [];
        } finally {
          this.membersLoading = false;
        }
      },
    },
  };

  const LinkBulkDialog = {
    name: "LinkBulkDialog",
    mixins: [Platform.dialogMixin, remoteMemberSelect],
    props: { member: { type: Object, default: null } },
    emits: ["moved"],
    data: () => ({
      grid: null, gridOptions: [], gridsLoading: false, gridRow: null,
      households: [], householdsLoading: false, selected: [],
      memberId: null, preview: null, previewing: false, serverErrors: [],
      linkMin: LINK_MIN, linkMax: LINK_MAX, moveOpen: false, moving: null,
    }),
    computed: {
      memberRow() {
        return this.memberId ? this.memberRows[this.memberId] || null : null;
      },
      quota() {
        if (!this.memberRow) return null;
        const current = this.preview && this.preview.member === this.memberId ? this.preview.current : this.memberRow.link_count || 0;
        return quota(current, this.selected.length);
      },
      canSave() {
        return !!(this.memberRow && this.selected.length && this.quota && this.quota.after <= LINK_MAX
          && !this.previewing && this.preview && !Object.keys(this.preview.errors || {}).length);
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
        this.grid = null;
        this.gridRow = null;
        this.households = [];
        this.selected = [];
        this.preview = null;
        this.serverErrors = [];
        this.memberRows = {};
        this.memberOptions = [];
        this.memberId = null;
        if (this.member && this.member.id) {
          this.memberRows[this.member.id] = this.member;
          this.memberOptions = [{ value: this.member.id, label: memberLabel(this.member) }];
          this.memberId = this.member.id;
        }
      },
      async searchGrids(query) {
        this.gridsLoading = true;
        try {
          const page = await Platform.api.get("/api/grids/", { q: query || undefined, page_size: 30 }, { quiet: true });
          this.gridOptions = page.results.map((g) => ({ value: g.id, label: g.natural_village_name + " · " + g.name, row: g }));
        } catch (e) {
          this.gridOptions = [];
        } finally {
          this.gridsLoading = false;
        }
      },
      async onGrid() {
        const option = this.gridOptions.find((o) => o.value === this.grid);
        this.gridRow = option ? option.row : null;
        this.selected = [];
        this.preview = null;
        this.households = [];
        if (!this.grid) return;
        await Platform.busy(this, "householdsLoading", async () => {
          const [rows, links] = await Promise.all([
            Platform.api.all("/api/households/", { grid: this.grid, ordering: "id" }),
            Platform.api.all("/api/household-links/", { grid: this.grid }),
          ]);
          const linkOf = Object.fromEntries(links.map((l) => [l.household, l]));
          for (const row of rows) row.link = linkOf[row.id] || null;
          this.households = rows.filter((r) => !r.member).concat(rows.filter((r) => r.member)); // the ones to pick first
        });
        if (!this.member && !(this.memberId && this.memberRows[this.memberId])) {
          this.searchMembers("", this.memberParams());
        }
      },
      memberParams() {
        return this.gridRow ? { village: this.gridRow.village } : {};
      },
      selectable(row) {
        return !row.member;
      },
      async afterMove() {
        if (this.memberId) {
          const row = await Platform.api.get("/api/members/" + this.memberId + "/").catch(() => null);
          if (row) {
            this.memberRows[row.id] = row;
            this.memberOptions = this.memberOptions.map((o) => (o.value === row.id ? { value: row.id, label: memberLabel(row) } : o));
          }
        }
        await this.onGrid();
        this.$emit("moved");
      },
      moveLink(link) {
        this.moving = link;
        this.moveOpen = true;
      },
      toggle(row, on) {
        const rest = this.selected.filter((id) => id !== row.id);
        this.selected = on ? rest.concat([row.id]) : rest;
        this.refreshPreview();
      },
      selectAllFree() {
        this.selected = this.households.filter((r) => this.selectable(r)).map((r) => r.id);
        this.refreshPreview();
      },
      onMember() {
        this.preview = null;
        this.refreshPreview();
      },
      async refreshPreview() {
        this.serverErrors = [];
        if (!this.memberId || !this.selected.length) {
          this.preview = null;
          return;
        }
        const ask = { member: this.memberId, households: this.selected.slice(), apply: false };
        this.previewing = true;
        try {
          const result = await Platform.api.post("/api/household-links/bulk/", ask, { quiet: true });
          if (ask.member === this.memberId && ask.households.length === this.selected.length) this.preview = result;
        } catch (e) {
          this.preview = null;
          this.serverErrors = e.messages || ["预览失败。"];
        } finally {
          this.previewing = false;
        }
      },
      previewErrors() {
        if (!this.preview) return this.serverErrors;
        return Object.values(this.preview.errors || {}).flat();
      },
      async submit() {
        this.serverErrors = [];
        await this.save(async () => {
          try {
            const result = await Platform.api.post("/api/household-links/bulk/",
              { member: this.memberId, households: this.selected, apply: true }, { quiet: true });
            ElementPlus.ElMessage({ type: "success",
              message: "已联户：" + result.member_name + " 新增联系 " + result.adding + " 户，共 " + result.after + " 户。" });
            return result;
          } catch (e) {
            this.serverErrors = e.messages || ["保存失败。"];
            throw e;
          }
        });
      },
    },
    template: `
      <el-dialog v-model="open" title="批量联户" width="860px" class="pf-record-form pf-link-bulk" append-to-body :close-on-click-modal="false"
                 destroy-on-close data-testid="link-bulk-dialog">
        <el-form label-position="top" @submit.prevent>
          <el-row :gutter="16">
            <el-col :xs="24" :sm="12">
              <el-form-item label="微网格" for="lb-grid" required>
                <el-select v-model="grid" id="lb-grid" filterable remote :remote-method="searchGrids" :loading="gridsLoading"
                           placeholder="输入网格名称搜索" @change="onGrid" @visible-change="(v) => v && !gridOptions.length && searchGrids('')"
                           style="width: 100%" data-testid="lb-grid">
                  <el-option v-for="o in gridOptions" :key="o.value" :label="o.label" :value="o.value"></el-option>
                </el-select>
              </el-form-item>
            </el-col>
            <el-col :xs="24" :sm="12">
              <el-form-item label="联户党员" for="lb-member" required>
                <el-select v-model="memberId" id="lb-member" filterable remote :remote-method="(q) => searchMembers(q, memberParams())"
                           :loading="membersLoading" :disabled="!!member" placeholder="输入姓名搜索本村党员" @change="onMember"
                           @visible-change="(v) => v && memberOptions.length <= 1 && searchMembers('', memberParams())"
                           style="width: 100%" data-testid="lb-member">
                  <el-option v-for="o in memberOptions" :key="o.value" :label="o.label" :value="o.value"></el-option>
                </el-select>
              </el-form-item>
            </el-col>
          </el-row>
        </el-form>
        <div v-if="quota" class="pf-link-quota" data-testid="lb-quota" role="status" aria-live="polite">
          <el-alert :type="quota.type" :closable="false" show-icon>
            <template #title>
              <strong>[[ memberRow.name ]]</strong> 现联系 [[ quota.current ]] 户 + 本次 [[ quota.adding ]] 户 = <strong>[[ quota.after ]] 户</strong>：[[ quota.text ]]
            </template>
          </el-alert>
        </div>
        <el-alert v-for="(m, i) in previewErrors()" :key="i" type="error" :closable="false" show-icon class="pf-form-alert" role="alert" :title="m"></el-alert>
        <div v-if="grid && households.some(selectable)" class="pf-link-tools" style="margin: 12px 0 8px; display: flex; flex-wrap: wrap; gap: 8px">
          <el-button @click="selectAllFree">选中全部未联户的户</el-button>
          <el-button :disabled="!selected.length" @click="selected = []; refreshPreview()">清除选择</el-button>
        </div>
        <p v-if="!grid" class="pf-muted">先选择微网格，再勾选要联系的户（已有联户党员的户不能勾选，可在其联户记录中“改联户党员”）。</p>
        <el-table v-else :data="households" v-loading="householdsLoading" border max-height="360" row-key="id"
                  empty-text="该网格暂无户" data-testid="lb-households">
          <el-table-column label="选择" width="64" align="center">
            <template #default="{ row }">
              <el-checkbox :model-value="selected.includes(row.id)" :disabled="!selectable(row)" @change="(v) => toggle(row, v)"
                           :aria-label="'选择 ' + row.head_name + ' 户'"></el-checkbox>
            </template>
          </el-table-column>
          <el-table-column label="户主" prop="head_name" min-width="90"></el-table-column>
          <el-table-column label="住址" prop="address" min-width="160" show-overflow-tooltip></el-table-column>
          <el-table-column label="现联户党员" min-width="100">
            <template #default="{ row }"><span v-if="row.member_name">[[ row.member_name ]]</span><span v-else class="pf-muted">未联户</span></template>
          </el-table-column>
          <el-table-column label="操作" width="120" align="center">
            <template #default="{ row }">
              <el-button v-if="row.link" link type="primary" @click="moveLink(row.link)" :aria-label="'改联户党员：' + row.head_name + '户'">改联户党员</el-button>
            </template>
          </el-table-column>
        </el-table>
        <link-move-dialog v-model="moveOpen" :link="moving" :village="gridRow ? gridRow.village : null" @saved="afterMove"></link-move-dialog>
        <template #footer>
          <span class="pf-muted" v-if="grid" style="margin-right: 12px">已选 [[ selected.length ]] 户</span>
          <el-button @click="open = false">取消</el-button>
          <el-button type="primary" :loading="saving" :disabled="!canSave" @click="submit" data-testid="lb-save">保存联户</el-button>
        </template>
      </el-dialog>`,
  };

  const LinkMoveDialog = {
    name: "LinkMoveDialog",
    mixins: [Platform.dialogMixin, remoteMemberSelect],
    props: { link: { type: Object, default: null }, village: { type: Number, default: null } },
    data: () => ({ memberId: null, error: "", linkMax: LINK_MAX }),
    computed: {
      memberRow() {
        return this.memberId ? this.memberRows[this.memberId] || null : null;
      },
      quota() {
        return this.memberRow ? quota(this.memberRow.link_count || 0, 1) : null;
      },
    },
    watch: {
      modelValue(open) {
        if (open) {
          this.memberId = null;
          this.error = "";
          this.searchMembers("", this.params());
        }
      },
    },
    methods: {
      params() {
        return this.village ? { village: this.village } : {};
      },
      async submit() {
        this.error = "";
        await this.save(async () => {
          try {
            const saved = await Platform.api.patch("/api/household-links/" + this.link.id + "/", { member: this.memberId }, { quiet: true });
            ElementPlus.ElMessage({ type: "success", message: saved.head_name + "户已改由 " + saved.member_name + " 联系。" });
            return saved;
          } catch (e) {
            this.error = (e.messages || ["保存失败。"]).join("；");
            throw e;
          }
        });
      },
    },
    template: `
      <el-dialog v-model="open" title="改联户党员" width="520px" class="pf-record-form" append-to-body :close-on-click-modal="false" data-testid="link-move-dialog">
        <p v-if="link">把 <strong>[[ link.head_name ]]</strong> 户从 [[ link.member_name ]] 改由另一名党员联系。</p>
        <el-form label-position="top" @submit.prevent>
          <el-form-item label="新的联户党员" for="lm-member" required :error="error">
            <el-select v-model="memberId" id="lm-member" filterable remote :remote-method="(q) => searchMembers(q, params())"
                       :loading="membersLoading" placeholder="输入姓名搜索" style="width: 100%">
              <el-option v-for="o in memberOptions" :key="o.value" :label="o.label" :value="o.value" :disabled="link && o.value === link.member"></el-option>
            </el-select>
          </el-form-item>
        </el-form>
        <el-alert v-if="quota" :type="quota.type" :closable="false" show-icon role="status"
                  :title="memberRow.name + ' 现联系 ' + quota.current + ' 户，改后 ' + quota.after + ' 户：' + quota.text"></el-alert>
        <template #footer>
          <el-button @click="open = false">取消</el-button>
          <el-button type="primary" :loading="saving" :disabled="!memberId || (quota && quota.after > linkMax)" @click="submit">保存</el-button>
        </template>
      </el-dialog>`,
  };

  const MemberLeaveDialog = {
    name: "MemberLeaveDialog",
    mixins: [Platform.dialogMixin],
    props: { member: { type: Object, default: null } },
    data: () => ({ leftOn: null, preview: null, previewing: false, error: "" }),
    computed: {
      receivers() {
        const counts = {};
        for (const step of (this.preview && this.preview.plan) || []) {
          counts[step.to_member_name] = (counts[step.to_member_name] || 0) + 1;
        }
        return Object.entries(counts).map(([name, n]) => ({ name, n }));
      },
    },
    watch: {
      modelValue(open) {
        if (open) {
          this.leftOn = Platform.formatDate(new Date());
          this.preview = null;
          this.error = "";
          this.runPreview();
        }
      },
    },
    methods: {
      async runPreview() {
        this.error = "";
        this.preview = null;
        if (!this.leftOn) return;
        await Platform.busy(this, "previewing", async () => {
          this.preview = await Platform.api.post("/api/members/" + this.member.id + "/leave/", { left_on: this.leftOn, apply: false }, { quiet: true });
        }, (e) => (this.error = (e.messages || ["预览失败。"]).join("；")));
      },
      async submit() {
        this.error = "";
        await this.save(async () => {
          try {
            const result = await Platform.api.post("/api/members/" + this.member.id + "/leave/", { left_on: this.leftOn, apply: true }, { quiet: true });
            ElementPlus.ElMessage({ type: "success", message: "已办理离开：" + result.member_name + "，" + result.households + " 户已转给其他党员联系。" });
            return result;
          } catch (e) {
            this.error = (e.messages || ["办理失败。"]).join("；");
            throw e;
          }
        });
      },
    },
    template: `
      <el-dialog v-model="open" title="党员离开" width="640px" class="pf-record-form" append-to-body :close-on-click-modal="false" data-testid="leave-dialog">
        <p v-if="member">[[ member.name ]] 转出、去世等离开后不再联户；其联系的户先预览转给谁（默认本支部联户最少的党员），确认后一次办理。</p>
        <el-form label-position="top" @submit.prevent>
          <el-form-item label="离开日期" for="leave-date" required>
            <el-date-picker v-model="leftOn" id="leave-date" type="date" value-format="YYYY-MM-DD" placeholder="选择日期" @change="runPreview"></el-date-picker>
          </el-form-item>
        </el-form>
        <el-alert v-if="error" type="error" :closable="false" show-icon role="alert" class="pf-form-alert" :title="error"></el-alert>
        <div v-loading="previewing" data-testid="leave-preview">
          <template v-if="preview">
            <p><strong>[[ preview.households ]]</strong> 户将转出<span v-if="receivers.length">：<span v-for="(r, i) in receivers" :key="r.name">[[ i ? '、' : '' ]][[ r.name ]] [[ r.n ]] 户</span></span>。</p>
            <el-table v-if="preview.plan.length" :data="preview.plan" border max-height="300">
              <el-table-column label="户主" prop="head_name"></el-table-column>
              <el-table-column label="改由谁联系" prop="to_member_name"></el-table-column>
            </el-table>
          </template>
        </div>
        <template #footer>
          <el-button @click="open = false">取消</el-button>
          <el-button type="primary" :loading="saving" :disabled="!preview || previewing" @click="submit" data-testid="leave-apply">确认离开</el-button>
        </template>
      </el-dialog>`,
  };

  Platform.component("LinkBulkDialog", LinkBulkDialog);
  Platform.component("LinkMoveDialog", LinkMoveDialog);
  Platform.component("MemberLeaveDialog", MemberLeaveDialog);
  window.MemberForms = { memberFields, memberBody, quota };
})();
