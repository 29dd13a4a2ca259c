/* 四色走访的共用组件：登记/更正走访的底部表单，调整颜色的对话框。
 * 页面以 Platform.page({ components: VisitsUi.components, ... }) 使用。 */
window.VisitsUi = (function () {
  "use strict";

  function today() {
    return Platform.formatDate(new Date());
  }

  function blank() {
    return {
      visited_on: today(), method: "in_person", content: [], duties: [], concerns: "",
      follow_up_needed: false, follow_up_note: "",
    };
  }

  function blankCase() {
    return { open: false, title: "", category: null, urgency: "normal" };
  }

  const VisitSheet = {
    name: "VisitSheet",
    mixins: [Platform.dialogMixin],
    props: {
      household: { type: Object, default: null },
      visit: { type: Object, default: null }, // given: correct this visit (PATCH)
    },
    data: () => ({ form: blank(), contentOptions: [], toCase: blankCase(), caseErrors: {} }),
    computed: {
      duties() { return Platform.choices.duty || []; },
      categories() { return Platform.choices.case_category || []; },
      urgencies() { return Platform.choices.case_urgency || []; },
      hasConcern() { return !!(this.form.concerns || "").trim(); },
      methods() { return Platform.choices.visit_method || []; },
      title() {
        const name = this.household ? this.household.head_name + "户" : "";
        return (this.visit ? "更正走访 · " : "登记走访 · ") + name;
      },
    },
    watch: {
      modelValue(value) { if (value) this.prepare(); },
      "toCase.title"(value) { if ((value || "").trim()) delete this.caseErrors.title; },
      "toCase.category"(value) { if (value) delete this.caseErrors.category; },
    },
    methods: {
      async prepare() {
        const v = this.visit;
        this.form = v ? {
          visited_on: v.visited_on, method: v.method, content: [...v.content], duties: [...v.duties],
          concerns: v.concerns, follow_up_needed: v.follow_up_needed, follow_up_note: v.follow_up_note,
        } : blank();
        this.toCase = blankCase();
        this.caseErrors = {};
        this.contentOptions = [];
        if (!this.household) return;
        try {
          const policy = await Platform.api.get("/api/visit-policies/effective/", { household: this.household.id }, { quiet: true });
          const color = v ? v.color : this.household.color;
          this.contentOptions = policy.content[color] || [];
        } catch (e) {
          this.contentOptions = [];
        }
      },
      futureDay(date) {
        return date.getTime() > Date.now();
      },
      onCaseToggle(on) {
        if (on && !this.toCase.title) this.toCase.title = this.form.concerns.trim().split(/[\n。；;]/)[0].slice(0, 40);
      },
      checkCase() {
        const errors = {};
        if (!this.toCase.title.trim()) errors.title = "请填写案由。";
        if (!this.toCase.category) errors.category = "请选择纠纷类别。";
        this.caseErrors = errors;
        return !Object.keys(errors).length;
      },
      submit() {
        const body = Object.assign({}, this.form);
        if (!body.follow_up_needed) body.follow_up_note = "";
        const raise = this.hasConcern && this.toCase.open;
        if (raise && !this.checkCase()) return;
        // a refusal is shown by the API client (in Chinese, naming the field)
        return this.save(async () => {
          const saved = await (this.visit
            ? Platform.api.patch("/api/visits/" + this.visit.id + "/", body)
            : Platform.api.post("/api/visits/", Object.assign({ household: this.household.id }, body)));
          if (raise) {
            try {
              const c = await Platform.api.post("/api/dispute-cases/from-visit/", {
                visit: saved.id, title: this.toCase.title.trim(), category: this.toCase.category, urgency: this.toCase.urgency,
              });
              saved.dispute_case = c;
              ElementPlus.ElMessage({ type: "success", duration: 6000, message: "已登记纠纷案件：" + c.title + "（" + (c.state_display || "已受理") + "）" });
            } catch (e) {
              /* the visit is saved; the API client showed why the case was not (it can be raised again from the visit) */
            }
          }
          return saved;
        });
      },
    },
    template: `
      <el-drawer v-model="open" direction="btt" size="90%" class="vs-sheet" :title="title" append-to-body data-testid="visit-sheet">
        <el-form label-position="top" @submit.prevent="submit">
          <el-form-item label="走访日期">
            <el-date-picker v-model="form.visited_on" type="date" value-format="YYYY-MM-DD" :disabled-date="futureDay" :clearable="false" style="width: 100%"></el-date-picker>
          </el-form-item>
          <el-form-item label="走访方式">
            <el-radio-group v-model="form.method">
              <el-radio-button v-for="m in methods" :key="m.value" :value="m.value">[[ m.label ]]</el-radio-button>
            </el-radio-group>
          </el-form-item>
          <el-form-item label="走访内容" v-if="contentOptions.length">
            <el-checkbox-group v-model="form.content">
              <el-checkbox v-for="c in contentOptions" :key="c" :value="c">[[ c ]]</el-checkbox>
            </el-checkbox-group>
          </el-form-item>
          <el-form-item label="履行职责（六大员）">
            <el-checkbox-group v-model="form.duties">
              <el-checkbox v-for="d in duties" :key="d.value" :value="d.value">[[ d.label ]]</el-checkbox>
            </el-checkbox-group>
          </el-form-item>
          <el-form-item label="民情信息">
            <el-input v-model="form.concerns" type="textarea" :rows="3" placeholder="了解到的困难、诉求、意见建议" data-testid="visit-concerns"></el-input>
          </el-form-item>
          <div v-if="hasConcern" class="vs-to-case" data-testid="visit-to-case">
            <el-checkbox v-model="toCase.open" @change="onCaseToggle" data-testid="to-case-toggle">转为纠纷案件（报轮值调解室）</el-checkbox>
            <template v-if="toCase.open">
              <el-form-item label="案由" for="vs-case-title" :error="caseErrors.title" required>
                <el-input id="vs-case-title" v-model="toCase.title" maxlength="100" placeholder="例如：宅前排水沟堵塞引发邻里纠纷" data-testid="case-title"></el-input>
              </el-form-item>
              <el-form-item label="纠纷类别" :error="caseErrors.category" required>
                <el-radio-group v-model="toCase.category" class="vs-case-choices" aria-label="纠纷类别" data-testid="case-category">
                  <el-radio-button v-for="c in categories" :key="c.value" :value="c.value">[[ c.label ]]</el-radio-button>
                </el-radio-group>
              </el-form-item>
              <el-form-item label="紧急程度">
                <el-radio-group v-model="toCase.urgency" aria-label="紧急程度">
                  <el-radio-button v-for="u in urgencies" :key="u.value" :value="u.value">[[ u.label ]]</el-radio-button>
                </el-radio-group>
              </el-form-item>
              <div class="pf-muted vs-case-help">提交后同时登记案件：当事人默认为户主，纠纷情况为上面的民情信息；由村里受理。</div>
            </template>
          </div>
          <el-form-item label="需要跟进">
            <el-switch v-model="form.follow_up_needed" aria-label="需要跟进" data-testid="follow-up-switch"></el-switch>
          </el-form-item>
          <el-form-item label="跟进事项" v-if="form.follow_up_needed">
            <el-input v-model="form.follow_up_note" type="textarea" :rows="2" placeholder="例如：报工作区轮值调解室" aria-label="跟进事项" data-testid="follow-up-note"></el-input>
          </el-form-item>
        </el-form>
        <template #footer>
          <el-button type="primary" :loading="saving" @click="submit" data-testid="visit-submit">[[ visit ? '保存更正' : '提交登记' ]][[ hasConcern && toCase.open ? '并转为案件' : '' ]]</el-button>
        </template>
      </el-drawer>`,
  };

  const RANK = { green: 0, yellow: 1, orange: 2, red: 3 };

  const ColorDialog = {
    name: "ColorDialog",
    mixins: [Platform.dialogMixin],
    props: { household: { type: Object, default: null } },
    data: () => ({ toColor: "", reason: "" }),
    computed: {
      colors() { return Platform.choices.color || []; },
      needsReason() {
        return this.household && ["orange", "red"].includes(this.toColor) && RANK[this.toColor] > RANK[this.household.color];
      },
    },
    watch: { modelValue(value) { if (value) { this.toColor = ""; this.reason = ""; } } },
    methods: {
      submit() {
        return this.save(() => Platform.api.post("/api/color-changes/", {
          household: this.household.id, to_color: this.toColor, reason: this.reason,
        }));
      },
    },
    template: `
      <el-dialog v-model="open" title="调整四色分类" width="min(480px, 94vw)" append-to-body data-testid="color-dialog">
        <el-form label-position="top">
          <el-form-item label="新颜色">
            <el-radio-group v-model="toColor">
              <el-radio-button v-for="c in colors" :key="c.value" :value="c.value" :disabled="household && c.value === household.color">[[ c.label ]]</el-radio-button>
            </el-radio-group>
          </el-form-item>
          <el-form-item :label="needsReason ? '调整原因（必填）' : '调整原因'">
            <el-input v-model="reason" type="textarea" :rows="3" placeholder="例如：突发重病，独自居住"></el-input>
          </el-form-item>
          <div class="pf-muted" style="font-size: 12px">调整后立即按新颜色重新安排下次走访日期；调低颜色需村干部或以上确认。</div>
        </el-form>
        <template #footer>
          <el-button @click="open = false">取消</el-button>
          <el-button type="primary" :disabled="!toColor" :loading="saving" @click="submit">确定</el-button>
        </template>
      </el-dialog>`,
  };

  /** 转为纠纷案件 from a visit already logged (POST /api/dispute-cases/from-visit/): the case's title, category, urgency. */
  const CaseDialog = {
    name: "CaseDialog",
    mixins: [Platform.dialogMixin],
    props: { visit: { type: Object, default: null } },
    data: () => ({ form: { title: "", category: null, urgency: "normal" }, errors: {} }),
    computed: {
      categories() { return Platform.choices.case_category || []; },
      urgencies() { return Platform.choices.case_urgency || []; },
    },
    watch: {
      "form.category"(value) { if (value) delete this.errors.category; },
      "form.title"(value) { if ((value || "").trim()) delete this.errors.title; },
      modelValue(value) {
        if (!value || !this.visit) return;
        this.form = { title: (this.visit.concerns || "").trim().split(/[\n。；;]/)[0].slice(0, 40), category: null, urgency: "normal" };
        this.errors = {};
      },
    },
    methods: {
      async submit() {
        this.errors = {};
        if (!this.form.title.trim()) this.errors.title = "请填写案由。";
        if (!this.form.category) this.errors.category = "请选择纠纷类别。";
        if (Object.keys(this.errors).length) return;
        this.saving = true;
        try {
          const c = await Platform.api.post("/api/dispute-cases/from-visit/",
            { visit: this.visit.id, title: this.form.title.trim(), category: this.form.category, urgency: this.form.urgency }, { quiet: true });
          ElementPlus.ElMessage({ type: "success", duration: 6000, message: "已登记纠纷案件：" + c.title });
          this.open = false;
          this.$emit("saved", c);
        } catch (e) {
          if (e.status === 400 && e.data) {
            for (const name of ["title", "category", "urgency"]) if (e.data[name]) this.errors[name] = Platform.fieldMessages(e.data[name]);
            if (!Object.keys(this.errors).length) ElementPlus.ElMessage({ type: "error", message: (e.messages || []).join("；") });
          } else {
            ElementPlus.ElMessage({ type: "error", message: (e.messages || ["登记失败。"]).join("；") });
          }
        } finally {
          this.saving = false;
        }
      },
    },
    template: `
      <el-dialog v-model="open" title="转为纠纷案件" width="min(520px, 94vw)" append-to-body data-testid="case-dialog">
        <el-form class="vs-form" label-position="top" @submit.prevent="submit">
          <p v-if="visit" style="margin-top: 0">[[ visit.visited_on ]] [[ visit.visitor_name ]]走访发现：[[ visit.concerns ]]</p>
          <el-form-item label="案由" for="cd-title" :error="errors.title" required>
            <el-input id="cd-title" v-model="form.title" maxlength="100"></el-input>
          </el-form-item>
          <el-form-item label="纠纷类别" :error="errors.category" required>
            <el-radio-group v-model="form.category" aria-label="纠纷类别">
              <el-radio-button v-for="c in categories" :key="c.value" :value="c.value">[[ c.label ]]</el-radio-button>
            </el-radio-group>
          </el-form-item>
          <el-form-item label="紧急程度" :error="errors.urgency">
            <el-radio-group v-model="form.urgency" aria-label="紧急程度">
              <el-radio-button v-for="u in urgencies" :key="u.value" :value="u.value">[[ u.label ]]</el-radio-button>
            </el-radio-group>
          </el-form-item>
        </el-form>
        <template #footer>
          <el-button @click="open = false">取消</el-button>
          <el-button type="primary" :loading="saving" @click="submit">登记案件</el-button>
        </template>
      </el-dialog>`,
  };

  return { today, components: { VisitSheet, ColorDialog, CaseDialog } };
})();
