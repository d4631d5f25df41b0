"""The texts of definition problems, Chinese first, English second."""

from runtime.i18n import Catalogue

MESSAGES = Catalogue({
    # loading
    "file_too_large": ("文件超过 {limit} 字节的上限", "file is larger than the {limit}-byte limit"),
    "not_utf8": ("文件不是 UTF-8 编码", "file is not UTF-8 encoded"),
    "syntax": ("语法错误：{reason}", "syntax error: {reason}"),
    "alias": ("不允许使用 YAML 锚点或别名（&、*），请直接写出内容",
              "YAML anchors and aliases (&, *) are not allowed; write the content out"),
    "tag": ("不允许使用 YAML 标签 {tag}", "YAML tag {tag} is not allowed"),
    "too_deep": ("嵌套超过 {limit} 层", "nesting is deeper than {limit} levels"),
    "duplicate_key": ("键 '{key}' 重复（第 {first} 行已出现）",
                      "key '{key}' appears twice (first on line {first})"),
    "duplicate_key_plain": ("键 '{key}' 重复", "key '{key}' appears twice"),
    "flow_comma": ("{{…}} 中 '{key}' 的值含有逗号，逗号结束了这个值；请给值加引号："
                   "{key}: \"{value}\"",
                   "the value of '{key}' in {{…}} holds a comma, which ended the value; "
                   "quote it: {key}: \"{value}\""),
    "flow_colon": ("{{…}} 中的值含有冒号，请给这个值加引号（例如 en: \"Time: 9:00\"）",
                   "a value in {{…}} holds a colon; quote that value "
                   "(for example en: \"Time: 9:00\")"),
    "key_not_text": ("键必须是文本", "keys must be text"),
    "unsafe_integer": ("数字 {value} 超出安全范围；如果它是编号，请加引号写成文本",
                       "number {value} is out of the safe range; quote it if it is a code"),
    "multiple_documents": ("一个文件只能包含一个定义", "a file must hold exactly one definition"),
    "unknown_extension": ("不支持的文件类型 '{name}'", "unsupported file type '{name}'"),
    # schema
    "not_object": ("定义必须是一个映射（键: 值）", "a definition must be a mapping (key: value)"),
    "unknown_kind": ("未知的定义种类 '{kind}'{hint}", "unknown definition kind '{kind}'{hint_en}"),
    "schema_type": ("应为{expected}，实际为{actual} {value}{hint}",
                    "expected {expected_en}, got {actual_en} {value}{hint_en}"),
    "schema_required": ("缺少必填项 '{name}'", "'{name}' is required"),
    "schema_additional": ("未知的属性 '{name}'{hint}", "unknown property '{name}'{hint_en}"),
    "schema_enum": ("值 {value} 不在允许范围内：{allowed}", "{value} is not one of: {allowed}"),
    "schema_pattern": ("值 {value} 格式不正确：{rule}", "{value} has the wrong format: {rule_en}"),
    "schema_other": ("{reason}", "{reason}"),
    # checker
    "duplicate_id": ("{kind} '{id}' 重复定义（另见 {other}）",
                     "{kind} '{id}' is defined twice (also in {other})"),
    "duplicate_name": ("名称 '{name}' 重复", "name '{name}' is used twice"),
    "reserved_id": ("'{name}' 是保留名称（rules.{name} 表示全部条件都符合），请换一个",
                    "'{name}' is reserved (rules.{name} says whether every gate holds); "
                    "choose another"),
    "measure_shape": ("度量须二选一：name 写已登记的度量（如 received、on_time_rate），或 agg 对"
                      "组件的 form 计数、求和（{reason}）",
                      "a measure is either a registered measure by `name` (received, "
                      "on_time_rate...) or an `agg` over the widget's `form` ({reason_en})"),
    "unknown_ref": ("{what} '{name}' 不存在{hint}", "{what_en} '{name}' does not exist{hint_en}"),
    "undeclared_pack": ("'{name}' 引用了场景包 '{pack}'，但 pack.yaml 的 requires 没有列出它；"
                        "请加上 requires: [{pack}]",
                        "'{name}' refers to pack '{pack}', which pack.yaml does not list under "
                        "requires; add requires: [{pack}]"),
    "missing_pack": ("找不到依赖的场景包 '{pack}'{version}：在 scenario_packs/、templates_lib/ "
                     "或本包旁边的文件夹中都没有；请先放入或导入它",
                     "required pack '{pack}'{version_en} is not found in scenario_packs/, "
                     "templates_lib/ or beside this pack; add or import it first"),
    "pack_requires_self": ("场景包不能依赖它自己 '{pack}'",
                           "a pack cannot require itself ('{pack}')"),
    "required_unclean": ("依赖的场景包 '{pack}' 检查未通过（{count} 个问题）；请先修正它",
                         "required pack '{pack}' does not check clean ({count} problems); "
                         "fix it first"),
    "unknown_permission": ("未知的权限 '{name}'{hint}（可用的权限见 docs/definitions.md）",
                           "unknown permission '{name}'{hint_en} (docs/definitions.md lists "
                           "them)"),
    "unknown_scope": ("未知的数据范围 '{name}'{hint}；可选：{choices}",
                      "unknown data scope '{name}'{hint_en}; one of {choices}"),
    "builtin_role_grants": ("内置角色 '{name}' 的权限和数据范围由平台规定，不能在场景包中修改",
                            "built-in role '{name}' has the platform's permissions and scope; "
                            "a pack cannot change them"),
    "renamed_from_in_use": ("'{name}' 仍是本表单的字段，不能再作为改名前的标识（renamed_from）",
                            "'{name}' is still a field of this form: it cannot be the id a "
                            "field was renamed from (renamed_from)"),
    "region_field": ("'{name}' 不能作为表单的所属区域字段：须为本表单顶层的 region、select "
                     "或 radio 字段", "'{name}' cannot be the form's region: it must be a "
                     "top-level region, select or radio field of the form"),
    "unknown_field_type": ("未知的字段类型 '{name}'{hint}", "unknown field type '{name}'{hint_en}"),
    "options_conflict": ("选项与选项来源只能二选一",
                         "give either options or options_from, not both"),
    "options_missing": ("选择类字段需要 options 或 options_from",
                        "a choice field needs options or options_from"),
    "related_form_missing": ("关联记录字段需要 related_form 指明关联哪个表单",
                             "a related_record field needs related_form: the form whose "
                             "records it links"),
    "not_for_type": ("'{name}' 对类型为 {type} 的字段不起作用，请删除或改用 {types} 类型",
                     "'{name}' does nothing on a {type} field; remove it or use {types}"),
    "no_children": ("类型为 {type} 的字段需要子字段 fields", "a {type} field needs child fields"),
    "unexpected_children": ("类型为 {type} 的字段不能有子字段",
                            "a {type} field cannot have fields"),
    "view_group_not_choice": ("看板按 '{name}' 分组，但它是 {type} 字段，没有选项："
                              "请改用选择类字段，或删除 group_by 按办理状态分组",
                              "the board is grouped by '{name}', a {type} field without "
                              "options: use a choice field, or remove group_by to group by "
                              "the case's status"),
    "view_filter_default": ("{op} 筛选的默认值应为{shape}",
                            "the default of an {op} filter is {shape_en}"),
    "expression": ("表达式 `{source}`：{reason}", "expression `{source}`: {reason_en}"),
    "cycle": ("存在循环依赖：{chain}", "there is a cycle: {chain}"),
    "rule_reads_hidden": ("规则 '{rule}' 读取的字段 '{field}' 总是隐藏（visible_when 为 false，"
                          "或在总是隐藏的分组、分页里），其值总是为空",
                          "rule '{rule}' reads field '{field}', which is always hidden "
                          "(visible_when is false, or it is in a section or page that always "
                          "is), so its value is always empty"),
    "nested_table": ("子表 '{outer}' 中不能再嵌套子表 '{name}'：请移到表单一级，或改用关联记录",
                     "the table '{outer}' cannot hold another table '{name}': move it up to "
                     "the form, or use a related record"),
    "one_unit": ("时限须恰好给出一个单位（working_days、calendar_days、hours 或 months），"
                 "此处为：{given}",
                 "a time limit gives exactly one unit (working_days, calendar_days, hours or "
                 "months); here: {given}"),
    "from_date_and_claim": ("from_date 与 from: claimed 不能同时使用："
                            "时限要么自签收起算，要么自数据中的日期起算",
                            "from_date and from: claimed cannot both be given: a deadline counts "
                            "from the claim or from a date in the data"),
    "handler_engine_field": ("办理单 '{form}' 的字段 '{field}' 由办理动作的结果或意见填写，"
                             "须为 {need}",
                             "field '{field}' of the handler form '{form}' takes the 办理 "
                             "action's outcome or opinion: it must be {need_en}"),
    "reassign_needs_to": ("reassign（改派）需要用 to 指明改派给哪个部门或角色",
                          "reassign needs `to`: the department or role taking the task over"),
    "count_needs_value": ("至少通过（at_least）需要给出 count 通过数",
                          "at_least needs `count`: how many approvals pass"),
    "applicant_step_parties": ("申请人确认的步骤（by: applicant）只由申请人本人办理，不能再列出 "
                               "assignees 或 for_each",
                               "a step the applicant answers (by: applicant) is theirs alone; "
                               "it cannot also have assignees or for_each"),
    "step_no_department": ("步骤使用的任务模板 '{task}' 的办理人只有角色，没有部门（department）"
                           "或派单规则（rule），步骤也没有列出 parties：任务将无人能签收",
                           "the step's task template '{task}' names its assignee by role "
                           "alone, with no department nor dispatch rule, and the step lists no "
                           "parties: nobody could claim its task"),
    "for_each_and_parties": ("逐项办理（for_each）的步骤按每一项生成任务，不能再列出 parties",
                             "a step run for each item makes a task per item; it cannot also "
                             "list parties"),
    "every_or_cron": ("定期发起须给出 every（month、quarter 或 year）或 cron 表达式，二者选一",
                      "a schedule gives either `every` (month, quarter or year) or `cron`, "
                      "exactly one of them"),
    "bad_cron": ("'{source}' 不是有效的 cron 表达式：须为五段（分 时 日 月 星期，按北京时间），"
                 "如 '0 9 * * 1' 表示每周一 9:00",
                 "'{source}' is not a valid cron expression: five fields (minute hour day "
                 "month weekday, China time), e.g. '0 9 * * 1' for Mondays at 9:00"),
    "children_and_tasks": ("发起子案件（children）的步骤不生成任务，不能再有 for_each 或 assignees",
                           "a step that starts child cases makes no tasks; it cannot also have "
                           "for_each or assignees"),
    "child_data_missing": ("子案件的开始表单 '{form}' 要求填写 '{name}'，children.data 中没有给出",
                           "the child cases' start form '{form}' requires '{name}', which "
                           "children.data does not give"),
    "child_of_itself": ("流程 '{name}' 不能把自己作为子案件发起（子案件会无限发起）",
                        "process '{name}' cannot start itself as a child case (it would never "
                        "stop starting cases)"),
    "confirm_within_staff": ("确认时限（confirm_within）只用于申请人确认的步骤（by: applicant）",
                             "a time to confirm (confirm_within) is only for a step the "
                             "applicant acts on (by: applicant)"),
    "confirm_within_unit": ("确认时限须恰好给出一种单位：working_days、calendar_days、hours 或 "
                            "months", "a time to confirm gives exactly one unit: working_days, "
                            "calendar_days, hours or months"),
    "child_cycle": ("子案件循环发起：{chain}（每个案件都会再发起下一个，永不结束）",
                    "child cases start each other in a cycle: {chain} (each case would start "
                    "the next, without end)"),
    "ratio_needs_value": ("按比例通过（ratio）需要给出 ratio 比例",
                          "mode ratio needs a `ratio` value"),
    "write_back_not_record": ("回写的 record 须是开始表单 '{form}' 中选择台账记录的字段"
                              "（related_form），'{name}' 不是",
                              "write_back's record must be a record picker (related_form) of "
                              "the start form '{form}'; '{name}' is not"),
    "route_not_earlier": ("步骤 '{step}' 的流转只能回到它之前的步骤或它自己，'{name}' 不在它之前",
                          "a route of step '{step}' can only go back to an earlier step or to "
                          "itself; '{name}' does not come before it"),
    "return_not_earlier": ("只能退回到之前的步骤：'{name}' 不在 '{step}' 之前",
                           "a step can only return to an earlier step: '{name}' does not "
                           "come before '{step}'"),
    # packs
    "pack_missing": ("包中没有 pack.yaml", "the pack has no pack.yaml"),
    "pack_too_many_files": ("包中文件超过 {limit} 个", "the pack has more than {limit} files"),
    "pack_too_large": ("包解压后超过 {limit} 字节", "the pack unpacks to more than {limit} bytes"),
    "pack_ratio": ("文件压缩比异常（{ratio}:1），疑似压缩炸弹",
                   "suspicious compression ratio ({ratio}:1)"),
    "pack_bad_path": ("不安全的路径（绝对路径、'..' 或链接）",
                      "unsafe path (absolute, '..' or a link)"),
    "pack_bad_file": ("不允许的文件；定义须为 .yaml/.yml/.json，附件须在 assets/ 下且类型已声明，"
                      "测试场景须为 tests/ 下的 .yaml 文件",
                      "file not allowed: definitions are .yaml/.yml/.json, assets go under "
                      "assets/ with a declared type, pack tests are .yaml files in tests/"),
    "pack_bad_zip": ("不是有效的 zip 文件：{reason}", "not a valid zip file: {reason}"),
    "pack_not_found": ("找不到 {name}", "{name} not found"),
})
