/* 户的登记与修改：<household-form v-model="open" :record="detail|null" @saved="...">。
 * A <record-form> over /api/households/ with the household's people (户成员) as an editable table:
 * the whole list goes with the household in one request (POST or PATCH, one transaction on the server);
 * once people are entered the people count follows the list and is no longer typed in.
 * The API's refusals of a person ("户成员：第2人：出生年份…") are shown beside that person's row. */
(function () {
  "use strict";

  const ROW_MESSAGE = /^(?:户成员：)?第(\d+)人：(.*)$/;

  function emptyPerson(relation) {
    return { name: "", relation: relation || "", birth_year: null, tags: [] };
  }

  Platform.component("HouseholdForm", {
    props: {
      modelValue: { type: Boolean, default: false },
      record: { type: Object, default: null }, // a household as GET /api/households/<id>/ answers (with people)
      initial: { type: Object, default: () => ({ color: "green" }) },
    },
    emits: ["update:modelValue", "saved"],
    data: () => ({ people: [], thisYear: new Date().getFullYear() }),
    computed: {
      open: {
        get() { return this.modelValue; },
        set(value) { this.$emit("update:modelValue", value); },
      },
      editing() {
        return !!(this.record && this.record.id);
      },
      title() {
        return this.editing ? "编辑户：" + this.record.head_name : "新增户";
      },
      fields() {
        const listed = this.people.length > 0;
        return [
          {
            name: "grid", label: "微网格", type: "remote", required: true, placeholder: "输入网格名称搜索",
            remote: { url: "/api/grids/", label: (g) => g.natural_village_name + " · " + g.name },
            initialLabel: (r) => (r.natural_village_name ? r.natural_village_name + " · " : "") + (r.grid_name || ""),
            help: "只列出您管辖范围内的网格",
          },
          { name: "head_name", label: "户主姓名", required: true, maxlength: 50 },
          { name: "address", label: "住址", required: true, maxlength: 200 },
          {
            name: "people_count", label: "人口数", type: "number", min: 1, max: 99, required: true,
            visible: () => !listed, help: "也可在下方登记户成员：登记后人口数随成员名单",
          },
          {
            name: "phone", label: "联系电话", placeholder: this.editing ? "留空则不修改" : "手机或固定电话",
            help: this.editing ? "当前：" + (this.record.phone_masked || "未登记") : "",
          },
          { name: "tags", label: "情况标签", type: "multiselect", choices: "tag" },
          {
            name: "color", label: "四色分类", type: "select", choices: "color", required: true, readonlyOnEdit: true,
            help: this.editing ? "调整颜色请在户详情中使用“调整颜色”，并填写原因" : "",
          },
        ];
      },
    },
    watch: {
      modelValue: {
        immediate: true,
        handler(open) {
          if (!open) return;
          const people = (this.record && this.record.people) || [];
          this.people = people.map((p) => ({ name: p.name, relation: p.relation, birth_year: p.birth_year, tags: (p.tags || []).slice() }));
        },
      },
    },
    methods: {
      relations() {
        return Platform.choices.person_relation || [];
      },
      tagOptions() {
        return Platform.choices.tag || [];
      },
      addPerson() {
        this.people.push(emptyPerson(this.people.some((p) => p.relation === "户主") ? "" : "户主"));
        this.$nextTick(() => {
          const inputs = this.$el.ownerDocument.querySelectorAll(".pf-person-name input");
          if (inputs.length) inputs[inputs.length - 1].focus();
        });
      },
      removePerson(i) {
        this.people.splice(i, 1);
      },
      /** The refusals the API gave for the people (the form's messages above its fields). */
      peopleMessages() {
        const form = this.$refs.form;
        return form ? form.general : [];
      },
      rowError(i) {
        const found = [];
        for (const m of this.peopleMessages()) {
          const match = ROW_MESSAGE.exec(m);
          if (match && Number(match[1]) === i + 1) found.push(match[2]);
        }
        return found.join("；");
      },
      body(data) {
        if (data.phone == null || (this.editing && data.phone === "")) delete data.phone;
        for (const name of ["head_name", "address"]) if (data[name] == null) data[name] = ""; // “不能为空”, not “null”
        if (data.people_count == null) delete data.people_count;
        data.people = this.people.map((p) => ({
          name: (p.name || "").trim(), relation: p.relation,
          birth_year: p.birth_year === "" || p.birth_year == null ? null : Number(p.birth_year), tags: p.tags,
        }));
        if (data.people.length) data.people_count = data.people.length;
        if (!this.editing && !data.people.length) delete data.people;
        return data;
      },
    },
    template: `
      <record-form ref="form" v-model="open" :title="title" url="/api/households/" :record="record" :fields="fields"
                   :initial="initial" :body="body" width="760px" @saved="(row) => $emit('saved', row)">
        <section class="pf-people" aria-labelledby="pf-people-title" data-testid="people-editor">
          <div class="pf-people-head">
            <h3 id="pf-people-title" class="pf-people-title">户成员</h3>
            <span class="pf-people-count" data-testid="people-count">人口数：[[ people.length ? people.length + ' 人（随成员名单）' : '按上方填写' ]]</span>
            <el-button size="small" @click="addPerson" data-testid="add-person"><el-icon><icon-plus></icon-plus></el-icon><span>添加成员</span></el-button>
          </div>
          <p v-if="!people.length" class="pf-form-help">未登记户成员。户主在前，逐人填写姓名、与户主关系、出生年份。</p>
          <div v-for="(p, i) in people" :key="i" class="pf-person-row" :class="{ 'is-error': rowError(i) }" data-testid="person-row">
            <span class="pf-person-no">第[[ i + 1 ]]人</span>
            <el-input v-model="p.name" class="pf-person-name" :aria-label="'第' + (i + 1) + '人 姓名'" placeholder="姓名" maxlength="50"></el-input>
            <el-select v-model="p.relation" class="pf-person-relation" :aria-label="'第' + (i + 1) + '人 与户主关系'" placeholder="与户主关系">
              <el-option v-for="o in relations()" :key="o.value" :label="o.label" :value="o.value"></el-option>
            </el-select>
            <el-input v-model="p.birth_year" class="pf-person-year" :aria-label="'第' + (i + 1) + '人 出生年份'" placeholder="出生年份"
                      inputmode="numeric" maxlength="4"></el-input>
            <el-select v-model="p.tags" class="pf-person-tags" multiple collapse-tags :aria-label="'第' + (i + 1) + '人 情况标签'" placeholder="情况标签">
              <el-option v-for="o in tagOptions()" :key="o.value" :label="o.label" :value="o.value"></el-option>
            </el-select>
            <el-button class="pf-person-remove" :aria-label="'删除第' + (i + 1) + '人'" @click="removePerson(i)">删除</el-button>
            <div v-if="rowError(i)" class="pf-person-error" role="alert" data-testid="person-error">[[ rowError(i) ]]</div>
          </div>
        </section>
      </record-form>`,
  });
})();
