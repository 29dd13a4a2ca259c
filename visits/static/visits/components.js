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

  const VisitSheet = {
    name: "VisitSheet",
    mixins: [Platform.dialogMixin],
    props: {
      household: { type: Object, default: null },
      visit: { type: Object, default: null }, // given: correct this visit (PATCH)
    },
    data: () => ({ form: blank(), contentOptions: [] }),
    computed: {
      duties() { return Platform.choices.duty || []; },
      methods() { return Platform.choices.visit_method || []; },
      title() {
        const name = this.household ? this.household.head_name + "户" : "";
        return (this.visit ? "更正走访 · " : "登记走访 · ") + name;
      },
    },
    watch: {
      modelValue(value) { if (value) this.prepare(); },
    },
    methods: {
      async prepare() {
        const v = this.visit;
        this.form = v ? {
          visited_on: v.visited_on, method: v.method, content: [...v.content], duties: [...v.duties],
          concerns: v.concerns, follow_up_needed: v.follow_up_needed, follow_up_note: v.follow_up_note,
        } : blank();
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
      submit() {
        const body = Object.assign({}, this.form);
        if (!body.follow_up_needed) body.follow_up_note = "";
        // a refusal is shown by the API client (in Chinese, naming the field)
        return this.save(() => (this.visit
          ? Platform.api.patch("/api/visits/" + this.visit.id + "/", body)
          : Platform.api.post("/api/visits/", Object.assign({ household: this.household.id }, body))));
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
          <el-form-item label="需要跟进">
            <el-switch v-model="form.follow_up_needed"></el-switch>
          </el-form-item>
          <el-form-item label="跟进事项" v-if="form.follow_up_needed">
            <el-input v-model="form.follow_up_note" type="textarea" :rows="2" placeholder="例如：报工作区轮值调解室"></el-input>
          </el-form-item>
        </el-form>
        <template #footer>
          <el-button type="primary" :loading="saving" @click="submit" data-testid="visit-submit">[[ visit ? '保存更正' : '提交登记' ]]</el-button>
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

  return { today, components: { VisitSheet, ColorDialog } };
})();
