package bundle

// readmeTextZh is readmeText for a project whose lang answer is zh: the
// same sections, facts and commands, for a Chinese reader.
const readmeTextZh = `# {% md .Project %}：离线部署包

由 stackgen {% md .StackgenVersion %} 于 {% md (.Created.Format "2006-01-02 15:04 MST") %} 根据
{% md .Stack %} 编排栈生成。包里有在一台没有镜像仓库、没有外网的主机上启动 {% md .Project %}
所需的一切：镜像、compose 文件和配置，以及加载并启动它们的脚本。

## 包里有什么

| 镜像 | ID | 在引擎中的大小 |
| --- | --- | --- |
{%- range .Images %}
| {% md .Name %} | {% md (short .ID) %} | {% md (size .Size) %} |
{%- end %}

- {% md .ImageArchive %}：全部 {% num (len .Images) %} 个镜像放在一个 ` + "`docker save`" + ` 归档中（镜像之间共享的层
  只存一份），用 {% md .Codec %} 压缩；解压后 {% md (size .ImageTarSize) %}。
{%- if .Unpacker %}
- {% md .Unpacker.Path %}：一个只含 stackgen 的极小镜像（{% md .Unpacker.Image %}），在不支持 zstd 的
  引擎上（Docker 20.10 能读 gzip，读不了 zstd）为 ` + "`docker load`" + ` 解压归档。它不拉取任何东西，也不联网。
{%- end %}
- compose.yaml、它挂载的配置、.env.example、scripts/：项目本身。
{%- if .IncludesEnv %}
- .env：**项目真实的密钥**（打包时用了 --include-env）。请像保管其中的密码一样保管这个离线部署包。
{%- else %}
- 没有 .env：密钥从不离开构建主机。首次启动时会根据 .env.example 写出 .env，并随机生成
  新的密钥{% if .SecretKeys %}（{% md (join .SecretKeys "、") %}）{% end %}。
{%- end %}
- load-and-start.sh、load-and-start.ps1：只用 Docker 就能加载并启动。
- SHA256SUMS 和 stackgen-bundle.json：每个文件的 SHA-256，加载任何东西之前都会先校验。

## 环境要求

- Docker Engine 20.10 或更新版本（Linux），或 Docker Desktop（Windows、macOS），运行
  {% md .Platform %} 容器，并带有 Compose v2（` + "`docker compose version`" + `）。
- 足够存放镜像的磁盘空间：引擎中约 {% md (size .ImageTarSize) %}，另加解压后的离线部署包。

## 用 stackgen 安装

    stackgen deploy --bundle {% mdcode (sh (printf "%s.zip" .Project)) %}        # 或 .tar.gz；用 --dir DIR 指定目录

stackgen 会校验每个校验和、加载镜像、把文件写入 ./{% md .Project %}，询问（或生成）.env 中的密钥，
启动编排栈并等待健康检查通过{% if .Migrate %}，然后执行{% md (migration .Migrate) %}{% end %}。

## 不用 stackgen 安装

Linux 或 macOS：

    unzip {% mdcode (sh (printf "%s.zip" .Project)) %}            # 或：tar -xzf {% mdcode (sh (printf "%s.tar.gz" .Project)) %}
    bash {% mdcode (sh (printf "%s/load-and-start.sh" .Project)) %}

Windows（PowerShell）：

    Expand-Archive {% mdcode (ps (printf "%s.zip" .Project)) %} -DestinationPath .
    powershell -ExecutionPolicy Bypass -File {% mdcode (ps (printf ".\\%s\\load-and-start.ps1" .Project)) %}

这些脚本执行的步骤与 stackgen 相同。手动校验文件：在 {% md .Project %} 目录中执行
` + "`sha256sum -c SHA256SUMS`" + `。
{%- if .URL %}

然后打开 {% md .URL %}。
{%- end %}

## 故障排查

- 提示某个文件“damaged”或“missing”：复制不完整。重新复制离线部署包，并和原件比较大小。
- 提示“this engine runs ... but the images are ...”：这台主机的 CPU 架构与构建主机不同；
  请在同类机器上构建离线部署包。Windows 上请把 Docker Desktop 切换到 Linux 容器。
- 加载时报“no space left on device”：为引擎的数据目录腾出约 {% md (size .ImageTarSize) %}
  （` + "`docker system df`" + `）。
- 端口已被占用：有别的服务占着它；修改 .env 或 compose.yaml 中发布的端口，然后重新启动。
- 某个服务没有通过健康检查：在 {% md .Project %} 目录中执行 ` + "`docker compose ps`" + ` 和
  ` + "`docker compose logs 服务名`" + ` 可以看到原因；脚本会把两者都打印出来。
- 保留 .env：数据库是用其中的密码初始化的。换一个新的 .env 去连旧的数据卷，会登录失败。
`
