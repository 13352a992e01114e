"""Texts of training data: the dataset store, readers, formats, rendering, split, augmentation and the quality report, each as (English, Chinese)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # datasets.py
    "datasets.no_examples": ("No examples to prepare.", "没有可准备的样本。"),
    # data/read.py
    "data.no_file": ("{path}: no such file.", "{path}：文件不存在。"),
    "data.unknown_format": (
        "Unknown format '{format}': use auto or one of {formats}.",
        "未知格式“{format}”：请用 auto 或 {formats} 之一。",
    ),
    "data.cannot_detect": (
        "cannot tell the format from the columns {columns}",
        "无法根据这些列判断格式：{columns}",
    ),
    "data.cannot_detect_fix": (
        "use messages, instruction/output, prompt/completion, text or text/label columns, or "
        "give --format and a column mapping (--columns text=clause)",
        "请使用 messages、instruction/output、prompt/completion、text 或 text/label 列，"
        "或者指定 --format 和列映射（--columns text=clause）",
    ),
    "data.no_examples": ("the file has no examples", "文件中没有样本"),
    "data.add_a_row": ("add at least one row", "请至少添加一行"),
    "data.more_problems": ("... and {n} more problems.", "……另有 {n} 个问题。"),
    # data/formats.py: one row's problem and its fix
    "row.column_missing": (
        "column '{source}' (mapped to '{target}') is missing",
        "缺少列“{source}”（映射到“{target}”）",
    ),
    "row.fix_mapping": (
        "the row has {columns}; fix the column mapping",
        "该行的列为 {columns}；请修正列映射",
    ),
    "row.unknown_format": ("unknown format '{format}'", "未知格式“{format}”"),
    "row.use_formats": ("use one of {formats}", "请使用 {formats} 之一"),
    "row.missing_or_null": ("missing or null", "缺失或为 null"),
    "row.not_text": ("must be text, got {type}", "必须是文本，实际是 {type}"),
    "row.blank": ("empty or only whitespace", "为空或只有空白字符"),
    "row.no_messages": (
        "missing (the row has {columns}), but the file is in the messages format",
        "缺失（该行的列为 {columns}），但文件是 messages 格式",
    ),
    "row.fix_messages": ('give every row a "messages" list', '请为每一行提供 "messages" 列表'),
    "row.missing_or_empty": ("missing or empty", "缺失或为空"),
    "row.fix_turns": (
        "give a list of {{role, content}} turns",
        "请提供由 {{role, content}} 组成的对话轮次列表",
    ),
    "row.not_a_turn": ("expected an object with role and content", "应为包含 role 和 content 的对象"),
    "row.fix_turn": ('write {{"role": ..., "content": ...}}', '请写成 {{"role": ..., "content": ...}}'),
    "row.unknown_role": ("unknown role {role!r}", "未知角色 {role!r}"),
    "row.fix_sharegpt_role": (
        "use human, gpt, system, function_call or observation",
        "请使用 human、gpt、system、function_call 或 observation",
    ),
    "row.fix_role": ("use system, user, assistant or tool", "请使用 system、user、assistant 或 tool"),
    "row.not_a_part": ("a content part must be an object with a type", "内容的每个部分都必须是带 type 的对象"),
    "row.part_not_text": (
        "a part of type '{type}': only text is trained (with reasoning and tool calls); images, audio and files are not",
        "“{type}”类型的部分：只训练文本（以及推理和工具调用），不训练图片、音频和文件",
    ),
    "row.fix_text_parts": (
        'keep text parts like {{"type": "text", "text": ...}} and drop the others, or drop the row',
        '请只保留 {{"type": "text", "text": ...}} 这样的文本部分并删除其余部分，或者删除这一行',
    ),
    "row.calls_not_assistant": (
        "tool calls on a '{role}' turn: only the assistant calls tools",
        "“{role}”轮次中有工具调用：只有 assistant 能调用工具",
    ),
    "row.fix_calls_role": ("move the calls to the assistant's turn", "请把调用移到 assistant 的轮次中"),
    "row.reasoning_not_assistant": (
        "a reasoning trace outside an assistant turn",
        "推理过程出现在 assistant 轮次之外",
    ),
    "row.fix_reasoning": (
        "give the reasoning as text on the assistant's turn (reasoning_content), or drop it",
        "请把推理以文本形式放在 assistant 轮次的 reasoning_content 中，或者删除它",
    ),
    "row.call_not_json": ("the tool call is not valid JSON", "工具调用不是合法的 JSON"),
    "row.call_not_object": ("the tool call is not an object", "工具调用不是对象"),
    "row.fix_call": (
        'write each call as {{"name": ..., "arguments": {{...}}}}',
        '请把每个调用写成 {{"name": ..., "arguments": {{...}}}}',
    ),
    "row.arguments_not_json": ("the arguments are not a JSON object", "参数不是 JSON 对象"),
    "row.fix_arguments": (
        'give the arguments as an object, e.g. {{"city": "Paris"}}, or as its JSON text',
        '请以对象（例如 {{"city": "Paris"}}）或其 JSON 文本给出参数',
    ),
    "row.tools_not_json": ("the tool list is not valid JSON", "工具列表不是合法的 JSON"),
    "row.bad_tool": ("a tool without a name", "有一个工具没有名称"),
    "row.fix_tools": (
        'give tools as a list of {{"name", "description", "parameters"}} (or {{"type": "function", "function": ...}})',
        '请以 {{"name", "description", "parameters"}}（或 {{"type": "function", "function": ...}}）的列表给出工具',
    ),
    "row.bad_weight": ("loss weight {value!r} is neither 0 nor 1", "损失权重 {value!r} 既不是 0 也不是 1"),
    "row.fix_weight": (
        "use 1 (the model learns this turn) or 0 (context only)",
        "请使用 1（模型学习这一轮）或 0（仅作上下文）",
    ),
    "row.tool_without_call": (
        "a tool answer that no assistant turn called for",
        "这条工具结果前面没有 assistant 的工具调用",
    ),
    "row.fix_tool_order": (
        "put the assistant's tool call right before the tool's answer",
        "请把 assistant 的工具调用放在工具结果的正前方",
    ),
    "row.nothing_trained": (
        "no turn to learn: every turn has loss weight 0",
        "没有要学习的轮次：每一轮的损失权重都是 0",
    ),
    "row.fix_weights": (
        "give loss_weight 1 to the turns the model should learn",
        "请把模型要学习的轮次的 loss_weight 设为 1",
    ),
    "row.fix_turn_text": ("give the turn's text as a string", "请以字符串形式提供该轮的文本"),
    "row.system_not_first": ("a system turn may only come first", "system 轮次只能位于最前面"),
    "row.fix_move_or_drop": ("move or drop it", "请移动或删除它"),
    "row.last_not_assistant": (
        "the last turn is '{role}', not 'assistant'",
        "最后一轮是“{role}”，而不是 'assistant'",
    ),
    "row.fix_end_with_answer": (
        "end each conversation with the assistant's answer",
        "请让每段对话以 assistant 的回答结尾",
    ),
    "row.blank_answer": ("empty or whitespace-only answer", "回答为空或只有空白字符"),
    "row.fix_write_answer": ("write the answer, or drop the turn", "请写出回答，或删除这一轮"),
    "row.fix_document": ("give the document text", "请提供文档文本"),
    "row.fix_task": ("give the task as text", "请以文本形式给出任务"),
    "row.fix_input": ("give the input as text (or leave it out)", "请以文本形式给出输入（或者省略）"),
    "row.fix_answer": ("give the answer the model should learn", "请给出模型要学习的回答"),
    "row.fix_system": ("give the system prompt as text", "请以文本形式给出系统提示词"),
    "row.history_not_list": (
        "must be a list of [question, answer] pairs",
        "必须是由 [问题, 回答] 对组成的列表",
    ),
    "row.history_not_pair": (
        "must be a [question, answer] pair of strings",
        "必须是由两个字符串组成的 [问题, 回答] 对",
    ),
    "row.fix_or_drop": ("fix or drop it", "请修正或删除"),
    "row.mixed_kinds": (
        "prompt and completion must both be texts or both be message lists",
        "prompt 和 completion 必须同为文本或同为消息列表",
    ),
    "row.fix_same_kind": ("use the same kind for both", "请让两者使用相同的类型"),
    "row.fix_prompt": ("give the prompt as text", "请以文本形式给出提示"),
    "row.fix_completion": ("give the completion the model should learn", "请给出模型要学习的补全内容"),
    "row.fix_input_text": ("give the input text", "请给出输入文本"),
    "row.fix_label": ("give the label as text", "请以文本形式给出标签"),
    # data/sources.py: a file or a line that cannot be read
    "source.nul_bytes": (
        "the file contains NUL bytes: it is binary, or UTF-16/32 without a BOM",
        "文件包含 NUL 字节：它是二进制文件，或是不带 BOM 的 UTF-16/32",
    ),
    "source.fix_utf8_text": ("save it as UTF-8 text", "请另存为 UTF-8 文本"),
    "source.not_utf8_file": (
        "the file is not UTF-8 (bad byte at offset {offset}); it may be GBK or Latin-1",
        "文件不是 UTF-8 编码（偏移 {offset} 处有非法字节）；它可能是 GBK 或 Latin-1 编码",
    ),
    "source.fix_utf8_or_16": (
        "save it as UTF-8 (or UTF-16 with a BOM)",
        "请另存为 UTF-8（或带 BOM 的 UTF-16）",
    ),
    "source.unsupported": ("unsupported file type '{suffix}'", "不支持的文件类型“{suffix}”"),
    "source.fix_suffixes": ("use one of {suffixes}", "请使用 {suffixes} 之一"),
    "source.not_utf16": ("not valid UTF-16 ({reason})", "不是有效的 UTF-16（{reason}）"),
    "source.fix_utf8_file": ("save the file as UTF-8", "请把文件另存为 UTF-8"),
    "source.long_line": ("line is longer than {mb} MB", "该行超过 {mb} MB"),
    "source.fix_split_documents": ("split very long documents into several rows", "请把很长的文档拆成多行"),
    "source.not_utf8_line": (
        "not valid UTF-8 (byte {byte} of the line)",
        "不是有效的 UTF-8（该行第 {byte} 个字节）",
    ),
    "source.bad_json": (
        "not valid JSON ({error} at column {column})",
        "不是有效的 JSON（第 {column} 列：{error}）",
    ),
    "source.fix_json_line": (
        "each line must be one complete JSON object",
        "每一行必须是一个完整的 JSON 对象",
    ),
    "source.too_deep": ("JSON nested too deeply", "JSON 嵌套太深"),
    "source.fix_depth": ("keep nesting under {depth} levels", "请把嵌套控制在 {depth} 层以内"),
    "source.not_object": ("expected a JSON object, got {kind}", "应为 JSON 对象，实际是{kind}"),
    "source.fix_object_rows": (
        'write each row as an object, like {{"messages": [...]}}',
        '请把每一行写成对象，例如 {{"messages": [...]}}',
    ),
    "source.deeper_than": ("JSON nested more than {depth} levels deep", "JSON 嵌套超过 {depth} 层"),
    "source.fix_flatten_row": ("flatten the row", "请把这一行展平"),
    "source.json_too_big": (
        "a .json file is read whole and this one is over {gb} GB",
        ".json 文件需要整个读入，而这个文件超过 {gb} GB",
    ),
    "source.fix_to_jsonl": ("convert it to .jsonl (one object per line)", "请转换为 .jsonl（每行一个对象）"),
    "source.bad_encoding": (
        "not valid {encoding} text (byte {byte})",
        "不是有效的 {encoding} 文本（第 {byte} 个字节）",
    ),
    "source.fix_json": (
        "fix the JSON, or use .jsonl with one object per line",
        "请修正 JSON，或改用每行一个对象的 .jsonl",
    ),
    "source.fix_flatten_data": ("flatten the data", "请把数据展平"),
    "source.not_array": ("expected an array of objects, got {kind}", "应为对象数组，实际是{kind}"),
    "source.fix_array": ('write [{{"messages": [...]}}, ...]', '请写成 [{{"messages": [...]}}, ...]'),
    "source.bad_object": (
        "a JSON object must hold one array of rows, or columns of equal length",
        "JSON 对象必须包含一个由行组成的数组，或若干等长的列",
    ),
    "source.fix_object": (
        'write [{{...}}, ...] or {{"text": [...], "label": [...]}}',
        '请写成 [{{...}}, ...] 或 {{"text": [...], "label": [...]}}',
    ),
    "source.kind_array": ("an array", "数组"),
    "source.kind_string": ("a string", "字符串"),
    "source.kind_null": ("null", "空值（null）"),
    "source.kind_boolean": ("a boolean", "布尔值"),
    "source.kind_number": ("a number", "数字"),
    "source.bad_header": ("cannot read the header ({error})", "无法读取表头（{error}）"),
    "source.fix_utf8_csv": ("save the file as UTF-8 CSV", "请把文件另存为 UTF-8 CSV"),
    "source.no_header": ("no header row", "没有表头行"),
    "source.fix_header": ("put the column names on the first line", "请把列名放在第一行"),
    "source.duplicate_columns": ("duplicate column names in {header}", "列名重复：{header}"),
    "source.fix_distinct_columns": ("give every column a distinct name", "请给每一列起一个不同的名字"),
    "source.bad_csv_encoding": ("not valid {encoding} ({reason})", "不是有效的 {encoding}（{reason}）"),
    "source.broken_csv": ("broken CSV ({error})", "CSV 格式损坏（{error}）"),
    "source.fix_quoting": ("check the quoting on that line", "请检查这一行的引号"),
    "source.cell_count": ("{cells} cells for {columns} columns", "{columns} 列却有 {cells} 个单元格"),
    "source.fix_quote_cells": (
        "quote cells that contain the delimiter or line breaks",
        "包含分隔符或换行的单元格请用引号括起来",
    ),
    "source.bad_parquet": ("not a readable Parquet file ({error})", "不是可读取的 Parquet 文件（{error}）"),
    "source.fix_parquet": (
        "export it again as Parquet, or use .jsonl",
        "请重新导出为 Parquet，或改用 .jsonl",
    ),
    # data/render.py
    "render.template_not_incremental": (
        "This model's chat template renders a conversation differently from its "
        "prefixes, so the assistant turns cannot be located; use a model with an "
        "incremental (ChatML-like) template.",
        "这个模型的对话模板渲染整段对话时与渲染其前缀的结果不一致，因此无法定位 assistant "
        "轮次；请使用模板可逐轮递增渲染（类似 ChatML）的模型。",
    ),
    "render.no_fast_tokenizer": (
        "This tokenizer has no fast version, which FullTune needs to place the loss mask.",
        "这个分词器没有 fast 版本，而 FullTune 需要用它来放置损失掩码。",
    ),
    "render.no_tool_template": (
        "These rows call tools, but this model's chat template drops tool schemas, calls or answers, so the model "
        "would learn answers without their calls. Pick a model whose template has tool support (e.g. a Qwen2.5 or "
        "Llama 3.1 Instruct model), or give a template: data.chat_template=chatml-tools (shipped, for ChatML models "
        "such as SmolLM2) or a .jinja file.",
        "这些数据包含工具调用，但该模型的对话模板会丢弃工具定义、调用或结果，模型将只学到回答而学不到调用。"
        "请选择对话模板支持工具的模型（例如 Qwen2.5 或 Llama 3.1 Instruct），或者指定模板："
        "data.chat_template=chatml-tools（随附，适用于 SmolLM2 等 ChatML 模型）或一个 .jinja 文件。",
    ),
    "data.chat_template_unknown": (
        "Chat template '{choice}': give a shipped one ({shipped}) or a .jinja file inside the workspace.",
        "对话模板“{choice}”：请给出随附模板（{shipped}）或工作区内的 .jinja 文件。",
    ),
    "render.no_chat_template": (
        "This tokenizer has no chat template: use a chat/instruct model, or train on plain "
        "text (--format text).",
        "这个分词器没有对话模板：请使用对话/指令模型，或按纯文本训练（--format text）。",
    ),
    "render.all_truncated": (
        "Every example lost its answer to truncation at max_length={max_length}; raise it.",
        "在 max_length={max_length} 处截断后，所有样本都丢失了回答；请调大该值。",
    ),
    # data/split.py
    "split.bad_ratio": (
        "Validation ratio {ratio} is outside (0, {limit}]: give a fraction such as 0.1 for 10% of the rows.",
        "验证集比例 {ratio} 不在 (0, {limit}] 范围内：请给出一个比例，例如 0.1 表示 10% 的行。",
    ),
    "split.too_few": (
        "Too few rows to split: {n} original (not augmented) row(s), at least 2 are needed. Add rows or "
        "train without a validation set.",
        "行数太少，无法划分：只有 {n} 行原始（非增强）数据，至少需要 2 行。请添加数据，或不使用验证集训练。",
    ),
    "split.unlabelled": (
        "Cannot stratify by label: some rows have no label. Pass stratify=False or use a "
        "classification file where every row has one.",
        "无法按标签分层：有些行没有标签。请传入 stratify=False，或使用每行都有标签的分类数据文件。",
    ),
    "split.single_rows": (
        "Too few rows to stratify: every label has a single row, and each label must keep one for "
        "training. Add rows or pass stratify=False.",
        "行数太少，无法分层：每个标签都只有一行，而每个标签都必须留一行用于训练。请添加数据，"
        "或传入 stratify=False。",
    ),
    # data/augment.py
    "augment.no_table": (
        "No shipped synonym table for language '{lang}': use one of {shipped}, or pass your own file.",
        "没有内置语言“{lang}”的同义词表：请使用 {shipped} 之一，或提供你自己的文件。",
    ),
    "augment.no_file": ("{path}: no such synonym file.", "{path}：同义词文件不存在。"),
    "augment.not_utf8": ("not UTF-8 (byte {byte})", "不是 UTF-8 编码（第 {byte} 个字节）"),
    "augment.no_tab": ("no tab between the word and its synonyms", "词语和同义词之间没有制表符"),
    "augment.two_tabs": ("more than one tab", "制表符多于一个"),
    "augment.empty_word": ("the word before the tab is empty", "制表符前的词语为空"),
    "augment.empty_synonym": ("an empty synonym", "有一个同义词为空"),
    "augment.fix_entry": (
        "write one entry per line as word<TAB>synonym1|synonym2",
        "请每行写一个条目，格式为 词语<TAB>同义词1|同义词2",
    ),
    "augment.unknown_ops": (
        "Unknown augmentation op(s) {unknown}: choose from {ops}.",
        "未知的数据增强操作 {unknown}：请从 {ops} 中选择。",
    ),
    "augment.no_ops": (
        "No augmentation op given: choose from {ops}.",
        "未指定数据增强操作：请从 {ops} 中选择。",
    ),
    "augment.bad_factor": (
        "Augmentation factor {factor} must be at least 1 (new rows per original row).",
        "增强倍数 {factor} 至少为 1（每行原始数据新增的行数）。",
    ),
    "augment.no_paraphraser": (
        "The paraphrase op needs a model: pass paraphrase=paraphrase_with_model(generate), or "
        "drop 'paraphrase' from the ops.",
        "paraphrase 操作需要一个模型：请传入 paraphrase=paraphrase_with_model(generate)，"
        "或从操作中去掉 'paraphrase'。",
    ),
    "augment.not_text": (
        "The paraphrase function returned {type}, not text.",
        "改写函数返回的是 {type}，而不是文本。",
    ),
    # data/report.py: the data quality report
    "quality.no_fast_tokenizer": (
        "The token-length report needs a fast tokenizer with a chat template; pick an "
        "instruct/chat model or run the report without a tokenizer.",
        "词元长度报告需要带对话模板的 fast 分词器；请选择指令/对话模型，或不使用分词器生成报告。",
    ),
    "quality.rows": ("Rows: {rows}", "行数：{rows}"),
    "quality.rows_val": ("Rows: {rows} (validation: {val})", "行数：{rows}（验证集：{val}）"),
    "quality.tokens": (
        "Tokens: {tokens:,}; longest row {longest}; {share} of rows longer than max_length={max_length}",
        "词元数：{tokens:,}；最长一行 {longest}；{share} 的行超过 max_length={max_length}",
    ),
    "quality.exact": ("Exact duplicates: {n} rows{examples}", "完全重复：{n} 行{examples}"),
    "quality.near": ("Near duplicates: {n} pairs{examples}", "近似重复：{n} 对{examples}"),
    "quality.conflicts": ("Conflicting answers: {n} inputs{examples}", "答案冲突：{n} 个输入{examples}"),
    "quality.languages": ("Languages: {languages}", "语言：{languages}"),
    "quality.labels": ("Labels: {labels}", "标签：{labels}"),
    "quality.empty": ("Empty answers: {n} rows{examples}", "空回答：{n} 行{examples}"),
    "quality.tool_calls": ("Tool calls: {n} in {rows} rows ({names})", "工具调用：{rows} 行中共 {n} 次（{names}）"),
    "quality.reasoning": ("Rows with a reasoning trace: {n}", "带推理过程的行：{n} 行"),
    "quality.pii": ("Personal data: {n} rows", "个人信息：{n} 行"),
    "quality.pii_kinds": ("Personal data: {n} rows ({kinds})", "个人信息：{n} 行（{kinds}）"),
    "quality.leakage": (
        "Validation rows also in training: {n}{examples}",
        "验证集中也出现在训练集里的行：{n}{examples}",
    ),
    "quality.examples": (" (e.g. rows {items})", "（例如第 {items} 行）"),
    "quality.examples_leak": (
        " (e.g. validation=training rows {items})",
        "（例如 验证集行=训练集行：{items}）",
    ),
    "quality.warnings": ("Warnings:", "警告："),
    "quality.no_warnings": ("Warnings: none", "警告：无"),
    "quality.truncated": (
        "{share} of rows are longer than max_length={max_length} tokens and lose their end; raise "
        "max_length (longest: {longest}) or shorten them.",
        "{share} 的行超过 max_length={max_length} 个词元，结尾会被截掉；请调大 max_length"
        "（最长：{longest}）或缩短这些行。",
    ),
    "quality.repeats": (
        "Rows repeating an earlier row word for word: {n} (e.g. rows {rows}); they count double, so "
        "remove them.",
        "与前面某行逐字相同的行：{n} 行（例如第 {rows} 行）；它们会被重复计算，请删除。",
    ),
    "quality.near_repeats": (
        "Rows whose prompt is nearly identical to an earlier one: {n} (e.g. rows {a} and {b}); "
        "drop the copies or make them differ.",
        "提示与前面某行几乎相同的行：{n} 行（例如第 {a} 行和第 {b} 行）；请删掉副本，或让它们有所区别。",
    ),
    "quality.conflict_example": ("rows {rows}: {answers}", "第 {rows} 行：{answers}"),
    "quality.label_noise": (
        "Inputs with different labels: {n} ({example}); this is label noise, so fix the wrong "
        "labels or drop those rows.",
        "相同输入却标注了不同标签：{n} 个（{example}）；这是标签噪声，请改正错误的标签或删除这些行。",
    ),
    "quality.answer_conflicts": (
        "Inputs with different final answers: {n} ({example}); fix or drop the wrong ones, or "
        "ignore this if all are fine.",
        "相同输入却有不同的最终回答：{n} 个（{example}）；请改正或删除错误的回答；如果都没问题，"
        "可以忽略此提示。",
    ),
    "quality.lang_zh": ("Chinese", "中文"),
    "quality.lang_en": ("English", "英文"),
    "quality.one_language": (
        "{share} of rows are {name}: the model may get weaker at {other}; add {other} examples "
        "or a replay mix of general data.",
        "{share} 的行是{name}：模型的{other}能力可能会变弱；请加入{other}样本，或混入通用数据回放。",
    ),
    "quality.one_label": (
        "Every row has the label {label!r}: add rows with the other labels.",
        "每一行的标签都是 {label!r}：请加入其他标签的行。",
    ),
    "quality.imbalanced": (
        "Labels are imbalanced ({big!r} {most} rows, {small!r} {least}): the model will lean "
        "towards {big!r}; add examples of the rare labels or drop some of the common ones.",
        "标签分布不均（{big!r} {most} 行，{small!r} {least} 行）：模型会偏向 {big!r}；"
        "请为少见的标签补充样本，或删掉一些常见标签的行。",
    ),
    "quality.empty_answers": (
        "Rows with an empty assistant turn: {n} (e.g. row {row}); fill in the answers or drop those rows.",
        "assistant 轮次为空的行：{n} 行（例如第 {row} 行）；请补上回答或删除这些行。",
    ),
    "quality.unknown_tools": (
        "Calls to a tool the row does not declare: {n} (e.g. {name!r} in row {row}); the model would learn to "
        "call a tool that does not exist. Add the tool to the row's \"tools\" or fix the name.",
        "调用了该行未声明的工具：{n} 次（例如第 {row} 行的 {name!r}）；模型会学会调用不存在的工具。"
        "请把该工具加入这一行的 \"tools\"，或改正名字。",
    ),
    "quality.personal_data": (
        "Rows with what looks like personal data ({kinds}): {n} (e.g. row {row}); mask or "
        "remove it, a tuned model can repeat it verbatim.",
        "疑似含个人信息（{kinds}）的行：{n} 行（例如第 {row} 行）；请遮盖或删除，"
        "微调后的模型可能会原样复述。",
    ),
    "quality.leaks": (
        "Validation rows that also appear in training: {n} (e.g. validation row {val} is training row "
        "{train}); scores will look too good, so remove them from one file.",
        "同时出现在训练集中的验证行：{n} 行（例如验证集第 {val} 行就是训练集第 {train} 行）；"
        "评分会虚高，请从其中一个文件里删除。",
    ),
    # data/choice.py: the sources the app offers
    "sources.upload_first": (
        "Upload a data file first, or pick a demo or prepared dataset.",
        "请先上传数据文件，或选择示例数据集或已准备的数据集。",
    ),
    "sources.unknown": (
        "Unknown data source '{source}': pick one from the list ({demos}, a prepared dataset or an upload).",
        "未知的数据来源“{source}”：请从列表中选择（{demos}、已准备的数据集或上传的文件）。",
    ),
    "sources.prepared_gone": (
        "Prepared dataset '{source}' is gone; prepare it again in the Data tab.",
        "已准备的数据集“{source}”不存在了，请在“数据”页重新准备。",
    ),
    # data/__init__.py: the demo datasets shipped with the package
    "demos.barista": (
        "English chat: a barista and latte-art coach (150 conversations)",
        "英文对话：咖啡师与拉花教练（150 段对话）",
    ),
    "data.replay_prompts_empty": (
        "No prompts found in {path}: give a .txt file with one prompt per line, or a .jsonl file whose rows have a "
        "prompt field or chat messages with a user turn.",
        "在 {path} 中没有找到提示：请提供每行一条提示的 .txt 文件，或每行带 prompt 字段或含用户消息的 "
        "messages 的 .jsonl 文件。",
    ),
    "data.self_replay_empty": (
        "The base model answered none of the {count} replay prompts (every answer was empty). Use "
        "data.replay_source=shipped, or other prompts (data.replay_prompts).",
        "基座模型对 {count} 条回放提示一条也没有作答（回答全为空）。请使用 data.replay_source=shipped，"
        "或换一批提示（data.replay_prompts）。",
    ),
    "demos.roastery-tools": (
        "Tool calling, English and Chinese: a coffee roastery's order assistant checks stock, reserves bags and "
        "looks up opening hours (103 conversations)",
        "工具调用，中英文：咖啡烘焙店的订单助手查询库存、预留咖啡豆、查营业时间（103 段对话）",
    ),
    "demos.contracts-risk": (
        "Chinese contract risk rating: clause + risk level high/medium/low (150 rows)",
        "中文合同风险评级：条款 + 风险等级 高/中/低（150 行）",
    ),
}
